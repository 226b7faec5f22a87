"""This machine, as facts: model (HostFacts and its parts), system (OS, CPU, memory), gpus,
interpreters; detect.detect_host runs every probe. No decisions here."""
