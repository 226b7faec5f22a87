export VIRTUAL_ENV=__WORD__
