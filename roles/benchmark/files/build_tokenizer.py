"""Build the rehearsal tokenizer with the `tokenizers` library (no Hugging Face hub access).

A WordLevel model over the words the inference simulator emits, split on whitespace only, so
each emitted word is exactly one token. Writes tokenizer.json and tokenizer_config.json into
--output; aiperf's --tokenizer takes that directory (transformers' AutoTokenizer loads it offline).
"""

import argparse
import json
import os
import sys

SPECIAL_TOKENS = ["[UNK]", "[BOS]", "[EOS]", "[PAD]"]


def build(output, words):
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {}
    for token in SPECIAL_TOKENS + list(words):
        vocab.setdefault(token, len(vocab))
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.add_special_tokens(SPECIAL_TOKENS)
    os.makedirs(output, exist_ok=True)
    tokenizer.save(os.path.join(output, "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "unk_token": "[UNK]",
        "bos_token": "[BOS]",
        "eos_token": "[EOS]",
        "pad_token": "[PAD]",
        "model_max_length": 1000000,
        "clean_up_tokenization_spaces": False,
    }
    with open(os.path.join(output, "tokenizer_config.json"), "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=1, sort_keys=True)
        handle.write("\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True, help="directory to write the tokenizer into")
    parser.add_argument("--words", required=True, help="comma-separated vocabulary")
    args = parser.parse_args(argv)
    words = [w for w in args.words.split(",") if w]
    if not words:
        parser.error("--words is empty")
    build(args.output, words)
    print("wrote %s/tokenizer.json (%d words)" % (args.output, len(words)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
