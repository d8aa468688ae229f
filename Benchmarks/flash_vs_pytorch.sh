#!/usr/bin/env bash
# Our FlashAttention beside PyTorch's, on this machine, in one sitting.
#
#     Benchmarks/flash_vs_pytorch.sh                      # N = 4096, 8192 on every core, 3 rounds
#     PYTHON=/tmp/venv/bin/python Benchmarks/flash_vs_pytorch.sh --sizes 4096 --threads 2 --rounds 5
#
# Builds `bench` (release), then alternates `bench attention` and Benchmarks/pytorch_attention.py
# (torch's CPU scaled_dot_product_attention, flash backend) for --rounds rounds, so that a burst of
# other work on a shared machine hits both alike. Prints each round's forward and backward times
# and, per N, the median over the rounds of ours / PyTorch's (below 1: ours is faster).
#
# PyTorch is never a dependency of the project: when $PYTHON (default python3) cannot import
# torch, the script says so and prints our figures alone.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="4096,8192" threads="$(nproc)" rounds=3
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) sizes="${2:?--sizes needs a value}"; shift 2 ;;
        --threads) threads="${2:?--threads needs a value}"; shift 2 ;;
        --rounds) rounds="${2:?--rounds needs a value}"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "flash_vs_pytorch: unknown option '$1' (options: --sizes, --threads, --rounds)" >&2; exit 64 ;;
    esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "flash_vs_pytorch: --rounds must be a positive whole number, got '$rounds'" >&2; exit 64; }
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || { echo "flash_vs_pytorch: --threads must be a positive whole number, got '$threads'" >&2; exit 64; }
[[ "$sizes" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "flash_vs_pytorch: --sizes must be comma-separated positive numbers, got '$sizes'" >&2; exit 64; }

python="${PYTHON:-python3}"
have_torch=0
if "$python" -c "import torch" >/dev/null 2>&1; then
    have_torch=1
    echo "PyTorch: $("$python" -c 'import torch; print(torch.__version__)') ($python)"
else
    echo "PyTorch is not installed for $python: our figures only."
    echo "(To compare: python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch, then PYTHON=/tmp/venv/bin/python $0)"
fi

swift build -c release --product bench >/dev/null
bench="$(swift build -c release --show-bin-path)/bench"

# key=value fields of a result line, one per line.
fields() { tr ' ' '\n' | grep '='; }
value() { grep "^$1=" | head -1 | cut -d= -f2; }

ours=() theirs=()
for round in $(seq 1 "$rounds"); do
    line="$("$bench" attention --sizes "$sizes" --threads "$threads" | grep '^attention: ')"
    ours+=("$line")
    if [ "$have_torch" = 1 ]; then
        theirs+=("$("$python" Benchmarks/pytorch_attention.py --sizes "$sizes" --threads "$threads" 2>/dev/null \
                    | grep '^pytorch_attention: ')")
    fi
    echo "round $round of $rounds measured"
done

echo
echo "flash attention, B=1 H=1 d=64, $threads threads, release build: forward and backward ms per round"
printf '%-6s| %-6s| %-16s| %-16s| %-18s| %-16s| %s\n' N round "ours fwd ms" "PyTorch fwd ms" "ours/PyTorch fwd" "ours bwd ms" "PyTorch bwd ms"
summary=()
for n in ${sizes//,/ }; do
    ratios=()
    for i in $(seq 0 $((rounds - 1))); do
        our_fwd="$(echo "${ours[$i]}" | fields | value "flash_fwd_ms_$n")"
        our_bwd="$(echo "${ours[$i]}" | fields | value "flash_bwd_ms_$n")"
        if [ "$have_torch" = 1 ]; then
            their_fwd="$(echo "${theirs[$i]}" | fields | value "fwd_ms_$n")"
            their_bwd="$(echo "${theirs[$i]}" | fields | value "bwd_ms_$n")"
            ratio="$(awk -v a="$our_fwd" -v b="$their_fwd" 'BEGIN { printf "%.2f", a / b }')"
            ratios+=("$ratio")
        else
            their_fwd="-" their_bwd="-" ratio="-"
        fi
        printf '%-6s| %-6s| %-16s| %-16s| %-18s| %-16s| %s\n' "$n" "$((i + 1))" "$our_fwd" "$their_fwd" "$ratio" "$our_bwd" "$their_bwd"
    done
    if [ "$have_torch" = 1 ]; then
        median="$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
        summary+=("fwd_ours_over_pytorch_$n=$median")
    fi
done
echo
echo "flash_vs_pytorch: ${summary[*]:-pytorch=absent} rounds=$rounds threads=$threads"
