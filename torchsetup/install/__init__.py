"""`torchsetup install`: model (request/plan types), sources, releases, variants, offers,
resolve (pure), plan (→ InstallPlan), backends (uv/pip argv), lock, execute."""
