# bash completion for threadstop(1).  PIDs come from `threadstop ps` (ps --all for list and
# stop --ptrace, which also reach programs without the shim), the threads of a PID
# (tids, names, the calls they are blocked in) from `threadstop list PID`: both are asked
# of the threadstop being completed, so they follow its socket directory.

# $2: --all for every process with a blocked thread, the shim or not (stop --ptrace)
_threadstop_pids()
{
	"$1" ps $2 --json 2>/dev/null | grep -oE '"pid":[0-9]+' | cut -d: -f2
}

# tids, names and call:NAME of the threads of pid $2
_threadstop_threads()
{
	local json
	json=$("$1" list "$2" --json 2>/dev/null) || return 0
	printf '%s\n' "$json" | grep -oE '"tid":[0-9]+' | cut -d: -f2
	printf '%s\n' "$json" | grep -oE '"name":"[^"\\]*"' | cut -d'"' -f4
	printf '%s\n' "$json" | grep -oE '"call":"[^"\\]*"' | cut -d'"' -f4 | sed 's/^/call:/'
}

_threadstop()
{
	local cur prev words cword cmd=${COMP_WORDS[0]} sub= i pid= all=
	# selectors hold colons (call:accept*): complete them as one word
	if declare -F _init_completion >/dev/null; then
		_init_completion -n : || return
	else
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
		cur=${words[cword]} prev=${words[cword - 1]}
	fi
	COMPREPLY=()
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--timeout | --signal | -s) ((i++)) ;; # and its value
		--ptrace) all=--all ;;
		-*) ;;
		*) if [[ -z $sub ]]; then sub=${words[i]}; elif [[ -z $pid ]]; then pid=${words[i]}; fi ;;
		esac
	done
	if [[ -z $sub ]]; then
		COMPREPLY=($(compgen -W 'run list stop ps help -h --help -V --version' -- "$cur"))
		return
	fi
	if [[ $prev == --timeout ]]; then
		COMPREPLY=($(compgen -W '5 10 30 60' -- "$cur"))
		return
	fi
	case $sub in
	run)
		# after -- or the first non-option word: the command and its arguments
		for ((i = 2; i < cword; i++)); do
			if [[ ${words[i]} == -- || (${words[i]} != -* && ${words[i - 1]} != --signal && ${words[i - 1]} != -s) ]]; then
				[[ ${words[i]} == -- ]] && ((i++))
				if declare -F _command_offset >/dev/null; then
					_command_offset "$i"
				else
					COMPREPLY=($(compgen -c -- "$cur"))
				fi
				return
			fi
		done
		if [[ $prev == --signal || $prev == -s ]]; then
			COMPREPLY=($(compgen -W "$(seq "$(kill -l SIGRTMIN)" "$(kill -l SIGRTMAX)")" -- "$cur"))
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-s --signal --signal= -h --help --' -- "$cur"))
		else
			COMPREPLY=($(compgen -c -- "$cur"))
		fi
		;;
	list)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--json --timeout --timeout= -h --help' -- "$cur"))
		elif [[ -z $pid ]]; then
			COMPREPLY=($(compgen -W "$(_threadstop_pids "$cmd" --all)" -- "$cur"))
		fi
		;;
	stop)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-f --force --grace= --ptrace -w --wait --wait= --timeout --timeout= -h --help --' -- "$cur"))
		elif [[ -z $pid ]]; then
			COMPREPLY=($(compgen -W "$(_threadstop_pids "$cmd" $all)" -- "$cur"))
		else
			local IFS=$'\n'
			COMPREPLY=($(compgen -W "$(_threadstop_threads "$cmd" "$pid"; echo all)" -- "$cur"))
			declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur"
		fi
		;;
	ps)
		COMPREPLY=($(compgen -W '--all --json --timeout --timeout= -h --help' -- "$cur"))
		;;
	help)
		[[ -z $pid ]] && COMPREPLY=($(compgen -W 'run list stop ps help' -- "$cur"))
		;;
	esac
	# --opt= takes its value in the same word
	[[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == --*= ]] && compopt -o nospace 2>/dev/null
	return 0
}
complete -F _threadstop threadstop
