"""A tiny BERT built from a config, for tests and demos: no download, builds in well under a second.

The tokenizer is a real WordPiece tokenizer over a vocab written here (special tokens, single
characters and their ## continuations, and a few hundred common words), so any text tokenizes.
"""

from __future__ import annotations

import os
import string
from pathlib import Path

import torch
from transformers import BertConfig, BertModel, BertTokenizer, GPT2Config, GPT2LMHeadModel

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
COMMON_WORDS = """
the a an and or but not no yes to of in on at for from with by about as is are was were be been
it this that these those i you he she we they my your our their me him her us them please thanks
thank hello hi dear regards team customer support help issue problem error bug crash fail failed
failure login password account reset email phone address order invoice payment refund charge
charged billing price plan subscription cancel upgrade downgrade delivery shipping shipped package
late delay delayed missing broken damaged wrong item product app website page site server network
slow fast down outage update install version feature request question urgent asap today tomorrow
yesterday week month time again still now cannot can't can will would should could do does did
have has had get got make need want know see work working works use using try tried new old good
bad great love hate happy unhappy angry issue tickets ticket report card bank transfer access
data file upload download sync backup security privacy hacked locked blocked open close closed
""".split()  # noqa: SIM905 - a word list reads better as prose


def build_vocab() -> list[str]:
    characters = sorted(set(string.ascii_lowercase + string.digits + string.punctuation))
    words = sorted(set(COMMON_WORDS) - set(characters))
    return SPECIAL_TOKENS + characters + [f"##{char}" for char in characters] + words


def build_tiny_bert(
    directory: str | os.PathLike[str],
    *,
    hidden_size: int = 32,
    num_layers: int = 2,
    num_heads: int = 2,
    intermediate_size: int = 64,
    max_position_embeddings: int = 512,
    seed: int = 0,
) -> Path:
    """Write a randomly initialised BERT encoder + its WordPiece tokenizer to `directory`.

    Load it like any base model:
    `AutoModelForSequenceClassification.from_pretrained(directory, num_labels=k)`.
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    vocab_file = target / "vocab.txt"
    vocab = build_vocab()
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    # transformers 5: the vocab path goes in `vocab=` (a `vocab_file=` kwarg is silently ignored).
    tokenizer = BertTokenizer(vocab=str(vocab_file), do_lower_case=True, model_max_length=max_position_embeddings)
    tokenizer.save_pretrained(str(target))
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_position_embeddings,
        pad_token_id=0,
    )
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(str(target), safe_serialization=True)
    return target


def build_tiny_gpt2(
    directory: str | os.PathLike[str],
    *,
    hidden_size: int = 32,
    num_layers: int = 2,
    num_heads: int = 2,
    max_positions: int = 256,
    seed: int = 0,
) -> Path:
    """Write a randomly initialised GPT-2 (causal LM) + a WordPiece tokenizer to `directory`.

    The tokenizer is the tiny BERT's (any text tokenizes, offline); [SEP] ends each text and
    [PAD] pads. Load with `AutoModelForCausalLM.from_pretrained(directory)`.
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    vocab_file = target / "vocab.txt"
    vocab = build_vocab()
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizer(vocab=str(vocab_file), do_lower_case=True, model_max_length=max_positions)
    tokenizer.eos_token = "[SEP]"
    tokenizer.save_pretrained(str(target))
    config = GPT2Config(
        vocab_size=len(vocab),
        n_embd=hidden_size,
        n_layer=num_layers,
        n_head=num_heads,
        n_positions=max_positions,
        bos_token_id=vocab.index("[CLS]"),
        eos_token_id=vocab.index("[SEP]"),
        pad_token_id=vocab.index("[PAD]"),
    )
    torch.manual_seed(seed)
    GPT2LMHeadModel(config).save_pretrained(str(target), safe_serialization=True)
    return target
