"""Classification metrics in plain torch (no sklearn: the GPU box may not have it)."""

from __future__ import annotations

import torch


def accuracy(predictions: torch.Tensor, targets: torch.Tensor) -> float:
    if targets.numel() == 0:
        return 0.0
    return (predictions == targets).float().mean().item()


def macro_f1(predictions: torch.Tensor, targets: torch.Tensor, num_labels: int) -> float:
    """Unweighted mean of per-class F1 over the classes present in targets or predictions.

    Matches sklearn's `f1_score(average="macro")` default, which also ignores classes that
    appear in neither (they would otherwise count as 0 and punish a small validation split).
    """
    if targets.numel() == 0:
        return 0.0
    predictions = predictions.long().cpu()
    targets = targets.long().cpu()
    confusion = torch.bincount(targets * num_labels + predictions, minlength=num_labels * num_labels)
    confusion = confusion.reshape(num_labels, num_labels).double()
    true_positive = confusion.diagonal()
    predicted = confusion.sum(dim=0)
    actual = confusion.sum(dim=1)
    denominator = predicted + actual
    f1 = torch.where(denominator > 0, 2 * true_positive / denominator.clamp(min=1), torch.zeros_like(denominator))
    present = denominator > 0
    return f1[present].mean().item()


def confusion_matrix(predictions: torch.Tensor, targets: torch.Tensor, num_labels: int) -> list[list[int]]:
    """Rows are true labels, columns predicted labels (sklearn's orientation)."""
    predictions = predictions.long().cpu()
    targets = targets.long().cpu()
    counts = torch.bincount(targets * num_labels + predictions, minlength=num_labels * num_labels)
    return counts.reshape(num_labels, num_labels).tolist()


def per_label_report(
    predictions: torch.Tensor, targets: torch.Tensor, label_names: list[str]
) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support for every label (0.0 where undefined, as sklearn's default)."""
    matrix = torch.tensor(confusion_matrix(predictions, targets, len(label_names)), dtype=torch.float64)
    true_positive = matrix.diagonal()
    predicted, actual = matrix.sum(dim=0), matrix.sum(dim=1)
    report = {}
    for index, name in enumerate(label_names):
        tp, p, a = true_positive[index].item(), predicted[index].item(), actual[index].item()
        precision = tp / p if p else 0.0
        recall = tp / a if a else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report[name] = {"precision": precision, "recall": recall, "f1": f1, "support": int(a)}
    return report
