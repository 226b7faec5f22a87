case ":${__VAR__-}:" in
  *:__WORD__:*) ;;
  *) __VAR__=__WORD__"${__VAR__:+:$__VAR__}"; export __VAR__ ;;
esac
