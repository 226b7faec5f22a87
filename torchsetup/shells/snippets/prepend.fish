if not contains -- __WORD__ $__VAR__
    set -gx __VAR__ __WORD__ (string match -v -- '' $__VAR__)
end
