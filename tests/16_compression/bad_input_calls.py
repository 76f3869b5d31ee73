"""The callables the bad-input tables try: name -> (function taking keyword arguments, valid keyword
arguments for a given net). A row replaces one of those arguments by a bad value."""

import numpy as np
from bad_input_values import X8, Y8, base_net, conv_net, kd, loader, report_row, sgd
from fast_prune import magnitude_prune_fast

import tinytorch as tt
from tinytorch.compression import (
    KnowledgeDistillation,
    compress_model,
    conv_prune,
    count_parameters,
    factorize_linear,
    lottery,
    low_rank_approximate,
    low_rank_compress,
    magnitude_prune,
    measure_sparsity,
    nm,
    prunable_parameters,
    report,
    schedule,
    sensitivity,
    sparse,
    structured_prune,
)
from tinytorch.core import functional as F
from tinytorch.core.conv import Conv2d
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import SGD, Adam
from tinytorch.core.tensor import Tensor
from tinytorch.data import DataLoader, train_test_split
from tinytorch.quantization import quantize_int8
from tinytorch.training import evaluate, fit, train_step

CALLS = {
    # tinytorch.compression (core five)
    "prunable_parameters": (prunable_parameters, lambda net: dict(model=net)),
    "count_parameters": (count_parameters, lambda net: dict(model=net, nonzero_only=False)),
    "measure_sparsity": (measure_sparsity, lambda net: dict(model=net, weights_only=False)),
    "magnitude_prune": (magnitude_prune, lambda net: dict(model=net, sparsity=0.5)),
    "magnitude_prune_fast": (magnitude_prune_fast, lambda net: dict(model=net, sparsity=0.5)),
    "structured_prune": (structured_prune, lambda net: dict(model=net, prune_ratio=0.5, physical=True)),
    "KnowledgeDistillation": (
        KnowledgeDistillation,
        lambda net: dict(teacher_model=base_net(), student_model=net, temperature=3.0, alpha=0.7),
    ),
    "KD.distillation_loss": (
        lambda kd, **kw: kd.distillation_loss(**kw),
        lambda net: dict(
            kd=kd(net),
            student_logits=Tensor(np.zeros((2, 3))),
            teacher_logits=np.zeros((2, 3)),
            true_labels=np.array([0, 2]),
        ),
    ),
    "KD.train_step": (
        lambda kd, **kw: kd.train_step(**kw),
        lambda net: dict(kd=kd(net), x=X8[:4], y=Y8[:4], optimizer=sgd(net)),
    ),
    "KD.fit": (
        lambda kd, **kw: kd.fit(**kw),
        lambda net: dict(kd=kd(net), loader=loader(), optimizer=sgd(net), epochs=1),
    ),
    "low_rank_approximate": (
        low_rank_approximate,
        lambda net: dict(weight_matrix=np.diag([5.0, 3.0, 1.0]), rank_ratio=0.5),
    ),
    "factorize_linear": (factorize_linear, lambda net: dict(linear=net.layers[0], rank=2)),
    "factorize_linear(5x3)": (
        factorize_linear,
        lambda net: dict(linear=(tt.manual_seed(0), Linear(5, 3))[1], rank=2),
    ),
    "low_rank_compress": (low_rank_compress, lambda net: dict(model=net, rank_ratio=0.25)),
    "compress_model": (
        compress_model,
        lambda net: dict(model=net, compression_config={"magnitude_prune": 0.5}, eval_loader=None),
    ),
    # core calls used by module 16
    "Linear": (Linear, lambda net: dict(in_features=4, out_features=2, bias=True)),
    "Sequential": (lambda layers: Sequential(*layers), lambda net: dict(layers=[Linear(4, 2)])),
    "CrossEntropyLoss": (
        lambda logits, labels: CrossEntropyLoss()(logits, labels),
        lambda net: dict(logits=Tensor(np.zeros((2, 3))), labels=np.array([0, 2])),
    ),
    "functional.kl_div": (
        F.kl_div,
        lambda net: dict(
            log_q=Tensor(np.log(np.full((2, 2), 0.5))), p=np.full((2, 2), 0.5), reduction="batchmean"
        ),
    ),
    "functional.log_softmax": (F.log_softmax, lambda net: dict(x=Tensor(np.zeros((2, 3))), axis=-1)),
    "SGD": (SGD, lambda net: dict(params=net.parameters(), lr=0.1, momentum=0.0, weight_decay=0.0)),
    "Adam": (
        Adam,
        lambda net: dict(params=net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0),
    ),
    "DataLoader": (
        DataLoader,
        lambda net: dict(X=X8, y=Y8, batch_size=4, shuffle=False, seed=None, drop_last=False),
    ),
    "train_test_split": (train_test_split, lambda net: dict(X=X8, y=Y8, test_size=0.25, seed=0)),
    "fit": (
        fit,
        lambda net: dict(
            model=net, loader=loader(), loss_fn=CrossEntropyLoss(), optimizer=sgd(net), epochs=1
        ),
    ),
    "train_step": (
        train_step,
        lambda net: dict(
            model=net, x=Tensor(X8[:4]), y=Y8[:4], loss_fn=CrossEntropyLoss(), optimizer=sgd(net)
        ),
    ),
    "evaluate": (evaluate, lambda net: dict(model=net, loader=loader())),
    "quantize_int8": (quantize_int8, lambda net: dict(w=np.eye(3), axis=None)),
    "quantize_int8(axis=0)": (quantize_int8, lambda net: dict(w=np.eye(3), axis=0)),
    # advanced submodules
    "sparse.csr_nbytes": (
        sparse.csr_nbytes,
        lambda net: dict(nnz=10, n_rows=4, value_bytes=4, index_bytes=4, pointer_bytes=4),
    ),
    "sparse.CSRMatrix": (
        sparse.CSRMatrix,
        lambda net: dict(
            data=np.ones(1), indices=np.zeros(1, np.int32), indptr=np.array([0, 1], np.int32), shape=(1, 1)
        ),
    ),
    "sparse.CSRMatrix(int8)": (
        sparse.CSRMatrix,
        lambda net: dict(
            data=np.ones(1, np.int8),
            indices=np.zeros(1, np.int32),
            indptr=np.array([0, 1], np.int32),
            shape=(1, 1),
            scale=0.5,
        ),
    ),
    "sparse.CSRMatrix.from_dense": (
        sparse.CSRMatrix.from_dense,
        lambda net: dict(dense=np.eye(3), index_dtype=np.int32),
    ),
    "sparse.csr_matmul": (
        sparse.csr_matmul,
        lambda net: dict(x=np.ones(3), a=sparse.CSRMatrix.from_dense(np.eye(3))),
    ),
    "sparse.SparseLinear": (sparse.SparseLinear, lambda net: dict(weight=np.eye(2), bias=np.zeros(2))),
    "sparse.SparseLinear.from_linear": (
        sparse.SparseLinear.from_linear,
        lambda net: dict(linear=net.layers[0]),
    ),
    "sparse.to_sparse": (sparse.to_sparse, lambda net: dict(model=net, index_dtype=np.int32)),
    "sparse.best_time": (sparse.best_time, lambda net: dict(fn=lambda: None, repeats=1, warmup=0)),
    "sparse.csr_speedup_table": (
        sparse.csr_speedup_table,
        lambda net: dict(n=4, sparsities=(0.5,), batch_sizes=(1,), repeats=1),
    ),
    "sparse.break_even_sparsity": (
        sparse.break_even_sparsity,
        lambda net: dict(table=[dict(batch=1, sparsity=0.9, speedup=2.0)], batch=1),
    ),
    "nm.nm_mask": (nm.nm_mask, lambda net: dict(weight=np.ones((4, 2)), n=2, m=4)),
    "nm.is_nm_sparse": (nm.is_nm_sparse, lambda net: dict(weight=np.ones((4, 2)), n=2, m=4)),
    "nm.nm_prune": (nm.nm_prune, lambda net: dict(model=net, n=2, m=4)),
    "nm.nm_nbytes": (nm.nm_nbytes, lambda net: dict(shape=(4, 4), n=2, m=4, value_bits=16)),
    "schedule.cubic_sparsity": (schedule.cubic_sparsity, lambda net: dict(step=1)),
    "schedule.cubic_schedule": (schedule.cubic_schedule, lambda net: dict(final_sparsity=0.9, n_steps=2)),
    "schedule.relative_amount": (schedule.relative_amount, lambda net: dict(previous=0.5, target=0.75)),
    "schedule.gradual_prune": (
        schedule.gradual_prune,
        lambda net: dict(
            model=net,
            train_loader=loader(),
            loss_fn=CrossEntropyLoss(),
            optimizer=sgd(net),
            final_sparsity=0.5,
            n_steps=1,
        ),
    ),
    "sensitivity.sensitivity_scan": (
        sensitivity.sensitivity_scan,
        lambda net: dict(model=net, eval_loader=loader(), sparsities=(0.5,)),
    ),
    "sensitivity.layer_sparsities": (
        sensitivity.layer_sparsities,
        lambda net: dict(scan=dict(baseline=1.0, sparsities=[0.5], accuracy={}), tolerance=0.01),
    ),
    "sensitivity.layerwise_prune": (
        sensitivity.layerwise_prune,
        lambda net: dict(model=net, sparsities={"layers.2.weight": 0.5}),
    ),
    "conv_prune.filter_norms": (conv_prune.filter_norms, lambda net: dict(conv=Conv2d(1, 2, 3))),
    "conv_prune.channel_prune": (
        conv_prune.channel_prune,
        lambda net: dict(model=conv_net(), prune_ratio=0.5, physical=True),
    ),
    "conv_prune.channel_prune(masked)": (
        conv_prune.channel_prune,
        lambda net: dict(model=conv_net(), prune_ratio=0.5, physical=False),
    ),
    "lottery.train_steps": (
        lottery.train_steps,
        lambda net: dict(model=net, loader=loader(), loss_fn=CrossEntropyLoss(), optimizer=sgd(net), steps=1),
    ),
    "lottery.apply_masks": (
        lottery.apply_masks,
        lambda net: dict(model=net, masks={"layers.2.weight": np.ones((4, 2), bool)}),
    ),
    "lottery.remaining_fraction": (lottery.remaining_fraction, lambda net: dict(model=net)),
    "lottery.lottery_ticket": (
        lottery.lottery_ticket,
        lambda net: dict(
            make_model=base_net,
            train_loader=loader(),
            eval_loader=loader(),
            rounds=1,
            epochs=1,
            rewind_steps=0,
        ),
    ),
    "report.storage": (report.storage, lambda net: dict(model=net)),
    "report.compression_report": (
        report.compression_report,
        lambda net: dict(variants={"dense": net}, eval_loader=loader(), latency_input=X8, repeats=1),
    ),
    "report.format_report": (report.format_report, lambda net: dict(rows=[report_row()])),
    "report.plot_report": (report.plot_report, lambda net: dict(rows=[report_row()])),
    "report.digits_variants": (report.digits_variants, lambda net: dict(seed=0, epochs=1, finetune_epochs=1)),
    "report.summary_report": (report.summary_report, lambda net: dict(seed=0)),
}
