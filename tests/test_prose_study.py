"""report/prose_study.py: the sentences about training and the study, from crafted numbers and
the decisions they word."""

from __future__ import annotations

from vae.report.comparisons import Change, Step
from vae.core.statistics import paired
from vae.report.decisions import side
from vae.report.prose_study import (
    against_literature,
    common_base,
    improvement,
    improvement_split,
    iwae_coverage,
    training_gap,
)
from vae.report.numbers import spread


def gap_text(train_final, valid, train_read, test_read, seeds):
    """training_gap with the two over-fitting tests that decisions.decide makes."""
    test_gap = paired(dict(zip(seeds, train_read.values)), dict(zip(seeds, test_read.values)))
    gap = paired(dict(zip(seeds, train_final.values)), dict(zip(seeds, valid.values)))
    return training_gap(train_final.mean, valid.mean, 10_000, gap, side(gap), train_read,
                        test_read, seeds, test_gap, side(test_gap))


def test_training_gap_reads_the_final_weights_then_the_classifier():
    text = gap_text(spread([160.0, 161.0, 162.5]), spread([160.3, 161.35, 162.82]),
                    spread([0.555, 0.56, 0.55]), spread([0.563, 0.57, 0.556]), [420, 421, 422])
    assert text == (
        r"With the final weights, the \negelbo{} on \num{10000} of the training images is "
        r"\num{161.2} nats and on the \num{10000} held-out validation images \num{161.5} nats "
        r"(means over the three seeds; training minus validation, paired by seed and taken "
        r"before rounding, \num{-0.3} nats, 95\,\% interval \mbox{$[$\num{-0.4}, \num{-0.3}$]$}): the model fits the images it was "
        r"trained on better than unseen ones from the same distribution, the signature of "
        r"over-fitting. The digit classifier (\cref{sec:reconstructions}) reads back the digit "
        r"of \qty{55.5 +- 0.5}{\percent} of reconstructed training images and "
        r"\qty{56.3 +- 0.7}{\percent} of test images (means over the three seeds); test images "
        r"come back better by \num{0.8}~points (paired by seed, 95\,\% interval "
        r"\mbox{$[$\num{0.3}, \num{1.3}$]$} for test minus training). ")


def test_training_gap_says_no_over_fitting_when_the_seeds_show_none_or_the_opposite():
    seeds = [420, 421, 422]
    mixed = gap_text(spread([100.0, 101.0, 99.0]), spread([100.5, 100.5, 99.5]),
                     spread([0.9, 0.8, 0.85]), spread([0.85, 0.86, 0.84]), seeds)
    # differences -0.5, 0.5, -0.5: the interval [-1.6, 1.3] includes zero
    assert ("\\mbox{$[$\\num{-1.6}, \\num{1.3}$]$}): the interval includes zero, so the seeds show no "
            "detectable over-fitting. The interval counts the variation between seeds only") in mixed
    assert "includes zero. " in mixed
    better_unseen = gap_text(spread([101.0, 102.0, 103.1]), spread([100.0, 101.0, 102.0]),
                             spread([0.9, 0.91, 0.92]), spread([0.8, 0.8, 0.81]), seeds)
    assert "the unseen images score better, so there is no sign of over-fitting." in better_unseen
    assert ("training images come back better by \\num{10.7}~points (paired by seed, "
            "95\\,\\% interval \\mbox{$[$\\num{9.2}, \\num{12.1}$]$}). ") in better_unseen
    single = gap_text(spread([100.0]), spread([101.0]), spread([0.9]), spread([0.8]), [420])
    assert single.startswith("With the final weights, the \\negelbo{} on \\num{10000} of the "
                             "training images is \\num{100.0} nats and on the \\num{10000} "
                             "held-out validation images \\num{101.0} nats. ")  # no test


def step(model, baseline, key, label, old, new, delta):
    return Step(model, baseline, [Change(key, label, old, new)], delta, "better")


def test_improvement_answers_with_the_gain_and_splits_it_through_intermediate_models():
    path = [step("latent16", "assignment", "latent_dim", "latent dimension", 1, 16, -41.19),
            step("conv", "latent16", "architecture", "architecture", "mlp", "conv", -30.11)]
    assert improvement(path, "assignment", "conv", 71.30) == (
        r"Yes: the best model, \texttt{conv}, the one with the lowest mean validation \negelbo{}, "
        r"has a mean test \negelbo{} \num{71.3} nats below the assignment's model; the end of "
        r"this section splits the difference among the changes.")
    # chosen on validation images, it may still do worse on the test images
    assert improvement(path, "assignment", "conv", -0.3).startswith(
        r"Not on the test images: the best model, \texttt{conv}, the one with the lowest mean "
        r"validation \negelbo{}, has a mean test \negelbo{} \num{0.3} nats above the")
    assert improvement_split(path) == (
        r"Split through the study's intermediate models, one variant at a time, the best model's "
        r"difference from the assignment's is \num{41.2} nats from \texttt{latent16} against "
        r"\texttt{assignment} (latent dimension 1 to 16; better) and \num{30.1} nats from "
        r"\texttt{conv} against \texttt{latent16} (architecture mlp to conv; better).")
    flat = Step("resconv", "conv", path[1].changes, -0.4, "within 2 nats")
    mixed = improvement_split([*path, flat])
    assert mixed.endswith(r"(architecture mlp to conv; better) and \num{0.4} nats from "
                          r"\texttt{resconv} against \texttt{conv} (architecture mlp to conv; "
                          r"within 2 nats); for \texttt{resconv}, whose step is not "
                          r"\emph{better}, the seeds do not establish a gain.")
    from vae.core.statistics import Paired
    tested = improvement(path, "assignment", "conv", 71.30, Paired(3, 71.3, 2.0, 66.3, 76.3, 0.001))
    assert (r"nats below the assignment's model (paired by seed, 95\,\% interval "
            r"\mbox{$[$\num{66.3}, \num{76.3}$]$}); the end of") in tested
    one = improvement(path[:1], "assignment", "latent16", 41.19)
    assert one.endswith(r"from which it differs in one setting (latent dimension 1 to 16; better).")
    assert improvement_split(path[:1]) == improvement_split([]) == ""
    assert improvement([], "assignment", "assignment", 0.0).startswith(
        r"No: the assignment's model, \texttt{assignment}, has the lowest mean validation")


def test_the_binarised_estimate_is_read_against_two_standard_errors():
    assert against_literature(86.10, 0.96, 86.76) == (
        r"The estimate of \num{86.1}~\(\pm\)~\num{1.0} nats lies within two standard errors "
        r"(\num{1.9} nats) of the published \num{86.8} nats.")
    assert "lies \\num{3.8} nats below the published \\num{86.8}, \\num{4} times its " \
           "standard error" in against_literature(83.0, 0.96, 86.76)
    assert "nats above the published" in against_literature(90.0, 0.95, 86.76)


def test_a_variant_s_finding_says_what_the_tables_cannot():
    from test_comparisons import entry
    from vae.report.comparisons import compare
    from vae.report.prose_seeds import seeds_cell
    from vae.report.prose_study import variant_finding

    base = entry(test_loss=130.0, spread=1.0, slope=-0.1)
    variant = entry("v", test_loss=129.0, spread=1.0, activation="relu", slope=-1.2)
    variant.seeds[0].test_loss += 2.0  # differences +1, -1, -1
    variant.test_loss = sum(seed.test_loss for seed in variant.seeds) / 3
    found = compare(variant, base, False, p_holm=0.6, family=9)
    assert variant_finding(found, 10, 10.0, 127.0, [7] * 3, [7] * 3, 16) == ""
    assert seeds_cell(found) == f"$3\\to{found.seeds_needed}$" and found.seeds_needed > 3
    shallow = entry("s", test_loss=120.0, spread=1.0, hidden=400, hidden_layers=1)
    better = compare(shallow, base, False, p_holm=0.001)
    said = variant_finding(better, 10, 10.0, 118.0, [16] * 3, [7, 4, 5], 16)
    assert seeds_cell(better) == "3"  # decided: the seeds it pairs
    assert "also fits its training images better" in said
    assert ("Its code keeps 16 of 16 units active, the baseline's 4--7: the baseline leaves "
            "more of its code at the prior.") in said
    # lower on the test images, but higher on the images it trained on: it generalises better
    loose = entry("s", test_loss=120.0, spread=1.0, hidden=400, hidden_layers=1)
    loose.train_loss_final = 131.0
    general = variant_finding(compare(loose, base, False, p_holm=0.001), 10, 10.0, 131.0,
                           [16] * 3, [16] * 3, 16)
    assert "against \\num{128.0} nats: the difference does not come from fitting" in general


def test_the_iwae_coverage_names_a_subset_and_its_seed_or_all_images():
    assert iwae_coverage(False, 10_000, 10_000, 2024) == (
        r"it covers all \num{10000} test images, with its standard error over them")
    subset = iwae_coverage(True, 200, 10_000, 2024)
    assert r"\num{200} test images drawn uniformly at random (seed 2024)" in subset
    assert "all" not in subset



def test_the_common_base_is_explained_by_its_seeds_spread_only_when_it_is_steadier():
    from vae.report.decisions import CommonBase
    steady = common_base(CommonBase("shallow", 8, 0.12, 2.4, True, True), "assignment")
    assert steady == (r"Eight of the variants are read against \texttt{shallow}, whose seeds' "
                      r"validation \negelbo{} has a standard deviation of \num{0.1} nats, rather "
                      r"than against the sheet's model, \texttt{assignment}, where it is "
                      r"\num{2.4}: on so noisy a base, a change of a nat cannot be seen.")
    quiet = common_base(CommonBase("shallow", 8, 0.1, 0.6, True, False), "assignment")
    assert quiet.endswith(r"where it is \num{0.6}.")
    assert common_base(CommonBase("shallow", 2, 3.0, 2.4, False, True), "assignment") == \
        r"Two of the variants are read against \texttt{shallow}."
