#!/usr/bin/python3
"""Build the tiny TorchScript teacher used by spark-distill's tests, and document
the contract that a user's own "whole-model TorchScript" teacher must follow.

Contract (what ``org.sparkdistill.udfs.model.TorchScriptTeacher`` calls)::

    forward(input_ids: Tensor, attention_mask: Tensor, mc: Tensor) -> Tuple[Tensor, Tensor]

* ``input_ids``      int64, shape [B, L]; rows right-padded by the caller to one length L.
* ``attention_mask`` int64, shape [B, L]; 1 for real tokens, 0 for padding.
* ``mc``             0-dim bool tensor. ``True`` turns Monte-Carlo dropout on. Dropout must be
                     *functional* and gated by this flag::

                         x = torch.nn.functional.dropout(x, p, training=bool(mc))

                     The Java side always runs the module with training=False (eval mode, no
                     autograd), so ``nn.Dropout`` modules (which follow the global train/eval
                     flag) would never fire; and BatchNorm must keep its running statistics.
* returns ``(logits, features)``: ``logits`` float32 [B, C] (unnormalised, one column per
  label in the sidecar's ``labels``); ``features`` float32 [B, D], the penultimate
  representation that feeds the final linear layer, taken *before* the MC dropout so it
  is deterministic (equal to the final layer's input when ``mc`` is False).

Export with ``torch.jit.script`` (not ``torch.jit.trace``: tracing records the dropout
branch taken at trace time, so the ``mc`` flag would be ignored) and save with
``torch.jit.save``; write float32 weights. Next to ``<name>.pt`` put a sidecar
``<name>.json``::

    {"labels": [...], "dropout": <p>, "featureDim": <D>,
     "contract": "forward(input_ids, attention_mask, mc) -> (logits, features)"}

Run: ``/usr/bin/python3 make_tiny_teacher.py [out_dir]`` (default: this script's folder).
Writes ``tiny-teacher.pt``, ``tiny-teacher.json`` and ``tiny-teacher-expected.json`` (eval
logits/features for fixed inputs, checked by the Java tests to 1e-5).
"""
import json
import os
import sys
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

VOCAB_SIZE = 30522  # all-MiniLM-L6-v2 (bert-base-uncased) WordPiece vocabulary
WIDTH = 16
LABELS = ["a", "b", "c"]
DROPOUT = 0.1
CONTRACT = "forward(input_ids, attention_mask, mc) -> (logits, features)"

# Fixed inputs for the expected-output file: [CLS]=101, [SEP]=102, [PAD]=0.
FIXED_INPUTS = [
    {
        "input_ids": [[101, 7592, 2088, 102, 0, 0], [101, 2023, 2003, 1037, 3231, 102]],
        "attention_mask": [[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]],
    },
    {
        "input_ids": [[101, 30521, 102]],
        "attention_mask": [[1, 1, 1]],
    },
]


class TinyTeacher(nn.Module):
    """Embedding -> masked mean pooling -> tanh(Linear) -> functional MC dropout -> Linear."""

    def __init__(self, vocab_size: int = VOCAB_SIZE, width: int = WIDTH,
                 num_labels: int = len(LABELS), p: float = DROPOUT):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, width)
        self.hidden = nn.Linear(width, width)
        self.out = nn.Linear(width, num_labels)
        self.p = p

    def forward(self, input_ids: Tensor, attention_mask: Tensor, mc: Tensor) -> Tuple[Tensor, Tensor]:
        emb = self.embed(input_ids)                                   # B x L x W
        mask = attention_mask.to(emb.dtype).unsqueeze(-1)             # B x L x 1
        pooled = (emb * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        features = torch.tanh(self.hidden(pooled))                    # B x W
        dropped = F.dropout(features, self.p, training=bool(mc))
        logits = self.out(dropped)                                    # B x C
        return logits, features


def build() -> torch.jit.ScriptModule:
    torch.manual_seed(0)
    model = TinyTeacher().float().eval()
    return torch.jit.script(model)


def main(out_dir: str) -> None:
    scripted = build()
    pt = os.path.join(out_dir, "tiny-teacher.pt")
    torch.jit.save(scripted, pt)
    with open(os.path.join(out_dir, "tiny-teacher.json"), "w") as f:
        json.dump({"labels": LABELS, "dropout": DROPOUT, "featureDim": WIDTH,
                   "contract": CONTRACT}, f, indent=2)
        f.write("\n")

    loaded = torch.jit.load(pt)
    cases = []
    with torch.no_grad():
        for case in FIXED_INPUTS:
            ids = torch.tensor(case["input_ids"], dtype=torch.int64)
            mask = torch.tensor(case["attention_mask"], dtype=torch.int64)
            logits, features = loaded(ids, mask, torch.tensor(False))
            # MC must actually change something (guards against a frozen/traced dropout).
            torch.manual_seed(1)
            mc_logits, _ = loaded(ids, mask, torch.tensor(True))
            assert not torch.equal(mc_logits, logits), "mc=True did not change the logits"
            cases.append(dict(case, logits=logits.tolist(), features=features.tolist()))
    with open(os.path.join(out_dir, "tiny-teacher-expected.json"), "w") as f:
        json.dump({"torch": torch.__version__, "mc": False, "cases": cases}, f, indent=1)
        f.write("\n")
    print("wrote", pt, os.path.getsize(pt), "bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
