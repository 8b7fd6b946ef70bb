#!/usr/bin/env bash
# The Keras example textclf started from, end to end: three Chinese sentences, labels 0 1 0,
# Tokenizer(num_words=1000), pad_sequences(maxlen=100), Embedding(1000, 64) → LSTM(64) →
# Dense(1, sigmoid), Adam, binary cross-entropy, 10 epochs, then evaluate on the same data.
set -euo pipefail
source "$(dirname "$0")/common.sh"
build_release
model=$(mktemp -d)/seed-model
trap 'rm -rf "$(dirname "$model")"' EXIT

echo "== What the ICU tokenizer makes of the three texts"
tail -n +2 "$ROOT/Data/seed-example.csv" | cut -d, -f1 | "$TEXTCLF" tokenize
echo
echo "== textclf fit Data/seed-example.csv --epochs 10 --num-words 1000 --max-length 100 --validation-split 0 --encoder lstm"
"$TEXTCLF" fit "$ROOT/Data/seed-example.csv" -o "$model" --epochs 10 --num-words 1000 --max-length 100 \
    --validation-split 0 --encoder lstm --seed 1 2>&1
echo
echo "== textclf evaluate (Keras: print(model.evaluate(padded, labels)))"
"$TEXTCLF" evaluate "$model" "$ROOT/Data/seed-example.csv"
