set -gx VIRTUAL_ENV __WORD__
