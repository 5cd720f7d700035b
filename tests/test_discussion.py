"""The sentences of Part II (prose_images.py, prose_study.py), from crafted readings and the
decisions they word, checked word for word."""

from __future__ import annotations

from dataclasses import replace

import pytest
from scipy import stats

from vae.instrument.measurements import (
    Confusion,
    Information,
    ManifoldReading,
    ModelReadings,
    Neighbours,
    PathReading,
    Reconstructions,
    Samples,
)
from vae.report.comparisons import Change, Step
from vae.core.statistics import paired
from vae.report.decisions import rank
from vae.report.prose_images import (
    PathCount,
    bonus_answer,
    interpolation,
    manifold,
    neighbours,
    path_words,
    reconstructions,
    samples,
    share_cell,
)
from vae.report.prose_study import (
    against_literature,
    conclusion,
    improvement,
    iwae_coverage,
    training_gap,
)
from vae.report.numbers import ReadingSpread, reading_spread, spread
from vae.report.smoothness import PathTally, path_smooth, tally

UNIFORM = [0.1] * 10


def recon(accuracy=0.5, per_class=None, found=(), shown=tuple(range(10))) -> Reconstructions:
    return Reconstructions(10_000, accuracy, list(per_class or [accuracy] * 10), list(found),
                           list(shown))


def readings(test=None, shares=UNIFORM, confident=0.7, frechet=100.0, paths=(),
             manifold_reading=None, knn=0.8, knn_found=(), information=None,
             seed=420) -> ModelReadings:
    return ModelReadings(
        name="m", seed=seed, run_hash="h", train=recon(0.55), test=test or recon(),
        samples=Samples(10_000, list(shares), confident, frechet), linear_paths=list(paths),
        spherical_paths=list(paths), random_linear=list(paths), random_spherical=list(paths),
        manifold=manifold_reading,
        neighbours=Neighbours(10, knn, [knn] * 10, list(knn_found)), information=information,
        marginal=None)


def path(start, end, classes, jump=1.2) -> PathReading:
    others = []
    for c in classes:
        if c not in (start, end) and c not in others:
            others.append(c)
    changes = sum(1 for a, b in zip(classes, classes[1:]) if a != b)
    return PathReading(start, end, classes, changes, others, jump)


def gap_text(train_final, valid, train_read, test_read, seeds):
    """training_gap with the two over-fitting tests that decisions.decide makes."""
    test_gap = paired(dict(zip(seeds, train_read.values)), dict(zip(seeds, test_read.values)))
    gap = paired(dict(zip(seeds, train_final.values)), dict(zip(seeds, valid.values)))
    return training_gap(train_final.mean, valid.mean, 10_000, gap, train_read, test_read,
                        seeds, test_gap)


def test_training_gap_reads_the_final_weights_then_the_classifier():
    text = gap_text(spread([160.0, 161.0, 162.5]), spread([160.3, 161.35, 162.82]),
                    spread([0.555, 0.56, 0.55]), spread([0.563, 0.57, 0.556]), [420, 421, 422])
    assert text == (
        r"With the final weights, the \negelbo{} on \num{10000} of the training images is "
        r"\num{161.2} nats and on the \num{10000} held-out validation images \num{161.5} nats "
        r"(means over the three seeds; training minus validation, paired by seed, \num{-0.3} "
        r"nats, 95\,\% interval [\num{-0.4}, \num{-0.3}]): the model fits the images it was "
        r"trained on better than unseen ones from the same distribution, the signature of "
        r"over-fitting. The digit classifier (\cref{sec:reconstructions}) reads back the digit "
        r"of \qty{55.5 +- 0.5}{\percent} of reconstructed training images and "
        r"\qty{56.3 +- 0.7}{\percent} of test images (means over the three seeds); test images "
        r"come back better by \num{0.8}~points (paired by seed, 95\,\% interval [\num{0.3}, "
        r"\num{1.3}] for test minus training). ")


def test_training_gap_says_no_over_fitting_when_the_seeds_show_none_or_the_opposite():
    seeds = [420, 421, 422]
    mixed = gap_text(spread([100.0, 101.0, 99.0]), spread([100.5, 100.5, 99.5]),
                     spread([0.9, 0.8, 0.85]), spread([0.85, 0.86, 0.84]), seeds)
    assert "the seeds show no difference, so no sign of over-fitting at this size." in mixed
    assert "includes zero. " in mixed
    better_unseen = gap_text(spread([101.0, 102.0, 103.1]), spread([100.0, 101.0, 102.0]),
                             spread([0.9, 0.91, 0.92]), spread([0.8, 0.8, 0.81]), seeds)
    assert "the unseen images score better, so there is no sign of over-fitting." in better_unseen
    assert ("training images come back better by \\num{10.7}~points (paired by seed, "
            "95\\,\\% interval [\\num{9.2}, \\num{12.1}]). ") in better_unseen
    single = gap_text(spread([100.0]), spread([101.0]), spread([0.9]), spread([0.8]), [420])
    assert single.startswith("With the final weights, the \\negelbo{} on \\num{10000} of the "
                             "training images is \\num{100.0} nats and on the \\num{10000} "
                             "held-out validation images \\num{101.0} nats. ")  # no test


INFO = Information(10_000, 4, 3.1, 0.01, 3.99)


def seeds_of(first: ModelReadings, *others: ModelReadings) -> ReadingSpread:
    return reading_spread([first, *others])


def test_reconstructions_quote_seed_means_then_the_figure_s_model_by_its_seed():
    per_class = [0.7, 0.9, 0.7, 0.7, 0.0, 0.2, 0.7, 0.7, 0.2, 0.6]
    found = [Confusion(4, 9, 650, 0.65), Confusion(8, 3, 450, 0.46)]
    shown = [0, 1, 2, 3, 9, 0, 6, 7, 8, 9]
    figure = readings(recon(0.563, per_class, found, shown), information=INFO, seed=421)
    text = reconstructions(seeds_of(figure,
                                    readings(recon(0.6), information=replace(INFO, estimate=3.3,
                                                                             kl=4.1)),
                                    readings(recon(0.55), information=replace(
                                        INFO, estimate=3.2, kl=4.0))), figure, 1, 3)
    assert text == (
        r"The digit classifier reads the input's digit in \qty{57.1 +- 2.6}{\percent} of the "
        r"\num{10000} test reconstructions and in \qty{55.0 +- 0.0}{\percent} of \num{10000} "
        r"training reconstructions drawn at random. For the model in the figure (seed 421) it "
        r"ranges per digit from \qty{0.0}{\percent} for 4 to \qty{90.0}{\percent} for 1; its "
        r"most frequent confusions are 4 as 9 (\qty{65}{\percent} of the test 4s) and 8 as 3 "
        r"(\qty{46}{\percent} of the test 8s). In the figure, two of the ten test "
        r"reconstructions come back as another digit (4 as 9 and 5 as 0). How much can one "
        r"coordinate say about an image? By \eqref{eq:ex4-general}, the mean KL, "
        r"\num{4.0 +- 0.1} nats, bounds the information $I(x;z)$ from above only. A Monte Carlo estimate of $I(x;z)$ itself "
        r"(\cref{app:information}) gives \num{3.2 +- 0.1} nats, more than the $\log 10 = 2.30$ "
        r"nats that naming one of ten equally likely digits takes: the code has room for the "
        r"digit. Reconstructions lose it anyway because the reconstruction term also rewards "
        r"slant, width and stroke, and class and style share the same number: digits that look "
        r"alike are put side by side (\hyperref[sec:bonus]{Bonus}) and decoded as one another.")
    kept = [readings(recon(0.95), information=INFO) for _ in range(3)]  # nothing to explain
    assert reconstructions(reading_spread(kept), kept[0], 2, 3).endswith(
        "the code has room for the digit.")


def test_an_estimate_below_log_10_nats_cannot_name_every_digit():
    low = [readings(information=replace(INFO, estimate=1.9, kl=2.5)) for _ in range(3)]
    text = reconstructions(reading_spread(low), low[0], 1, 3)
    assert "all ten test reconstructions keep their digit" in text
    assert text.endswith(r"gives \num{1.9 +- 0.0} nats, less than the $\log 10 = 2.30$ nats that "
                         r"naming one of ten equally likely digits takes: the code cannot tell "
                         r"every class apart.")
    # an upper bound above log 10 decides nothing: the estimate does
    assert "\\num{2.5 +- 0.0} nats, bounds the information $I(x;z)$ from above only" in text
    large = [readings() for _ in range(3)]  # 16 dimensions: no estimate, no argument
    assert "KL" not in reconstructions(reading_spread(large), large[0], 16, 3)


def test_samples_quote_seed_means_and_the_figure_s_histogram_by_its_seed():
    shares = [0.159, 0.089, 0.163, 0.134, 0.0, 0.061, 0.108, 0.088, 0.046, 0.152]
    figure = readings(shares=shares, confident=0.545, frechet=927.61, seed=421)
    text = samples(seeds_of(figure, readings(confident=0.6, frechet=900.0),
                            readings(confident=0.5, frechet=950.0)), figure, 0.9, 0.979, 2.71, 3)
    assert text == (
        r"Of \num{10000} digits decoded from the prior, the classifier names "
        r"\qty{54.8 +- 5.0}{\percent} with probability at least 0.9 (real test images: "
        r"\qty{97.9}{\percent}); the Fr\'echet distance between the classifier's features of "
        r"the samples and of the test images is \num{926 +- 25} (training against test images, "
        r"two sets of real digits: \num{2.7}). In the samples of the model in the figure "
        r"(seed 421), against a uniform share of \qty{10}{\percent}, digit 4 is missing (below "
        r"\qty{0.5}{\percent}); 8 (\qty{4.6}{\percent}) is scarce; 0 (\qty{15.9}{\percent}), 2 "
        r"(\qty{16.3}{\percent}) and 9 (\qty{15.2}{\percent}) are over-represented.")


def test_even_samples_give_their_range():
    r = readings(shares=[0.09] * 5 + [0.11] * 5)
    text = samples(seeds_of(r), r, 0.9, 0.98, 2.7, 1)
    assert text.endswith(r"In the samples of the model in the figure (its one run), every digit "
                         r"takes between \qty{9.0}{\percent} and \qty{11.0}{\percent} (uniform: "
                         r"\qty{10}{\percent}).")


def test_manifold_line_and_plane_name_the_seed_they_show():
    line = ManifoldReading([0, 2, 2, 6, 5, 3, 9, 0], [1, 4, 7, 8])
    assert manifold(line, 1, "seed 421") == (
        "Read from left to right, the classifier names the 8 points of the decoded line "
        "(seed 421) 0, 2, 2, 6, 5, 3, 9, 0: six changes of digit; the classifier reads 1, 4, 7 "
        "or 8 nowhere on this line.")
    plane = ManifoldReading([0] * 300 + list(range(10)) * 10, [])
    assert manifold(plane, 2, "seed 420") == (
        r"Of the \num{400} points of the decoded grid (seed 420), the most frequent digit is 0 "
        r"(\qty{77.5}{\percent}); the classifier reads every digit somewhere.")


def test_neighbours_quote_every_model_over_seeds_and_the_figure_s_confusions():
    first = readings(knn=0.574, knn_found=[Confusion(9, 7, 300, 0.31)], seed=421)
    text = neighbours([("assignment", first, spread([0.609, 0.57, 0.64])),
                       ("conv", readings(knn=0.968), spread([0.97, 0.968, 0.972]))], seeds=3)
    assert text == (
        r"How well the code separates the classes, without ever seeing a label, is measured by "
        r"a vote of the 10 nearest posterior means (leave-one-out, all test images): it recovers "
        r"the label of \qty{60.6 +- 3.5}{\percent} for \texttt{assignment} and "
        r"\qty{97.0 +- 0.2}{\percent} for \texttt{conv}. For \texttt{assignment} (seed 421, the "
        r"figure's) the vote most often takes 9 as 7 (\qty{31}{\percent} of the test 9s): these "
        r"classes share a region of the code.")
    one = neighbours([("assignment", first, spread([0.574]))], seeds=1)
    assert r"\qty{57.4}{\percent} for \texttt{assignment}. For \texttt{assignment} (its one run" \
        in one


SMOOTH = path(0, 6, [0, 0, 0, 0, 6, 6, 6, 6, 6, 6])
STUCK = path(4, 9, [9] * 10)
WANDERING = path(2, 5, [2, 6, 6, 3, 3, 9, 9, 7, 9, 0])
JUMPY = path(1, 7, [1, 1, 1, 1, 1, 7, 7, 7, 7, 7], jump=2.5)


def test_which_paths_are_smooth():
    assert path_smooth(SMOOTH)
    assert not path_smooth(STUCK)  # never shows its start digit
    assert not path_smooth(WANDERING)  # six changes, and it ends on 0
    assert not path_smooth(JUMPY)  # one step is 2.5 times the mean
    assert path_smooth(path(3, 8, [3, 3, 2, 2, 8, 8, 8, 8, 8, 8]))  # one digit on the way


def test_interpolation_counts_smooth_paths_and_words_the_one_that_changes_most():
    text = interpolation("assignment", readings(paths=[SMOOTH, STUCK, WANDERING], seed=422), 3,
                         "fig:i")
    assert text == (
        r"For \texttt{assignment} (seed 422, \cref{fig:i}), one of the three paths is smooth by the rule "
        r"below, and the largest step between neighbouring frames, over the three paths, is "
        r"\num{1.2} times its path's mean step; 2$\to$5 passes through 6, 3, 9, 7 and 0 (six changes of digit), and ends "
        r"as 0, never reaching 5.")


def test_every_or_no_path_smooth_is_said_so():
    assert "all of the two paths are smooth" in interpolation("m", readings(paths=[SMOOTH] * 2), 3, "f")
    said = interpolation("m", readings(paths=[STUCK] * 2), 3, "f")
    assert "none of the two paths are smooth" in said and "over the two paths" in said


def test_a_path_that_passes_its_end_digit_is_not_said_never_to_reach_it():
    passing = path(2, 5, [2, 2, 5, 5, 3, 3, 5, 5, 3, 3])
    assert path_words(passing).endswith("and ends as 3")
    assert path_words(WANDERING).endswith("ends as 0, never reaching 5")


def test_a_path_between_its_two_digits_is_said_to_go_back_and_forth_not_to_turn_once():
    once = path(3, 8, [3, 3, 3, 8, 8, 8, 8, 8, 8, 8])
    assert path_words(once) == "3$\\to$8 turns from 3 to 8 at frame 4"
    back = path(3, 8, [3, 3, 3, 8, 3, 3, 3, 3, 8, 8])
    assert path_words(back) == "3$\\to$8 changes between 3 and 8 three times, first at frame 4"


def test_paths_are_tallied_over_every_seed_those_without_their_ends_set_apart():
    per_seed = [readings(paths=[SMOOTH, STUCK]), readings(paths=[SMOOTH, SMOOTH]),
                readings(paths=[JUMPY, STUCK])]
    found = reading_spread(per_seed).linear
    # STUCK never shows its start digit: not drawn; JUMPY is drawn but not smooth
    assert (found.paths, found.drawn, found.smooth) == (6, 4, 3)
    exact = stats.binomtest(3, 4).proportion_ci(0.95, method="exact")
    assert (found.low, found.high) == pytest.approx((exact.low, exact.high))
    assert tally([STUCK]) == PathTally(1, 0, 0, 0.0, 1.0)  # nothing drawn: nothing known


def counted(name: str, dim: int, smooth: int, drawn: int, paths: int = 150) -> PathCount:
    """A model's paths: `smooth` smooth ones, drawn - smooth drawn but jumpy, the rest not drawn."""
    found = tally([SMOOTH] * smooth + [JUMPY] * (drawn - smooth) + [STUCK] * (paths - drawn))
    return PathCount(name, dim, found, found, share_cell(found), share_cell(found))


def test_bonus_answer_rests_on_the_drawn_paths_and_their_interval():
    counts = [counted("assignment", 1, 5, 40), counted("latent2", 2, 120, 140),
              counted("conv", 16, 100, 145)]
    text = bonus_answer(counts, 3, 50)
    assert text.startswith(
        r"\textbf{Answer: yes: most paths whose ends the model draws are smooth for two of the "
        r"three models, all but \texttt{assignment}.} The question is asked of 50 pairs of test "
        r"images")
    few = bonus_answer([*counts, counted("x", 16, 1, 40), counted("y", 16, 2, 40)], 3, 50)
    assert few.startswith(r"\textbf{Answer: yes: most paths whose ends the model draws are "
                          r"smooth for \texttt{latent2} and \texttt{conv}.}")
    assert (r"The highest lower end is \texttt{latent2}'s: 120 of 140 straight paths, "
            r"\qty{86}{\percent} [\qty{79}{\percent}, \qty{91}{\percent}]. A one-dimensional "
            r"code cannot do better") in text
    unsure = bonus_answer([counted("conv", 16, 5, 9)], 3, 50)  # 56 % of 9: the interval spans
    assert unsure.startswith(r"\textbf{Answer: not shown: no model's share of smooth paths is "
                             r"surely above a half.}")
    assert unsure.endswith("along straight lines and along great circles. The highest lower end "
                           "is \\texttt{conv}'s: 5 of 9 straight paths, \\qty{56}{\\percent} "
                           "[\\qty{21}{\\percent}, \\qty{86}{\\percent}].")  # no 1-D model
    nobody = bonus_answer([counted("a", 1, 0, 20), counted("conv", 16, 3, 100)], 3, 50)
    assert nobody.startswith(r"\textbf{Answer: not here: for no model are most of its paths "
                             r"smooth.}")
    assert share_cell(tally([STUCK])) == "none drawn"
    assert share_cell(counts[1].linear) == r"120: \qty{86}{\percent} [\num{79}, \num{91}]"


def means(kept: list[float], confident: list[float], frechet: list[float]) -> ReadingSpread:
    """Readings over seeds 420-422 as the conclusion reads them."""
    return ReadingSpread(spread(kept), spread(kept), spread([0.8] * 3), spread(confident),
                         spread(frechet), tally([]), tally([]), None, None, None)


SEEDS = [420, 421, 422]


def test_conclusion_separates_the_best_loss_from_the_best_samples():
    runs = [("assignment", SEEDS, spread([163.0, 167.8, 172.7]),
             means([0.55, 0.56, 0.57], [0.54, 0.55, 0.56], [920.0, 927.6, 935.0])),
            ("latent16", SEEDS, spread([131.7, 132.0, 132.3]),
             means([0.85, 0.86, 0.87], [0.72, 0.73, 0.74], [390.0, 396.4, 402.0])),
            ("conv", SEEDS, spread([96.4, 96.5, 96.6]),
             means([0.979, 0.98, 0.981], [0.60, 0.61, 0.62], [150.0, 151.0, 152.0]))]
    text = conclusion(rank(runs), runs, "assignment")
    assert text == (
        r"Across the three models, as means over seeds (a model shares first place when its "
        r"paired 95\,\% interval against the first lies within a stated margin; one the tests "
        r"separate from it does not), \texttt{conv} has the lowest test "
        r"\negelbo{} (\num{96.5}). \texttt{conv} keeps the digit in the most reconstructions "
        r"(\qty{98.0}{\percent}). \texttt{conv} generates the samples closest to real digits by "
        r"Fr\'echet distance (\num{151}). \texttt{latent16} makes the most samples that the "
        r"classifier names with confidence (\qty{73.0}{\percent}). The lowest \negelbo{} does not give the most "
        r"recognisable samples: \texttt{conv} names a digit confidently in only "
        r"\qty{61.0}{\percent} of its samples. The assignment's model, \texttt{assignment}, "
        r"scores \num{167.8} nats, keeps the digit in \qty{56.0}{\percent} of reconstructions "
        r"and has a Fr\'echet distance of \num{928}.")


def test_conclusion_shares_first_place_only_within_the_margin():
    # conv32 keeps the digit in as many reconstructions as conv, seed by seed, to a tenth of a
    # point: within 2 points; its Frechet distance lies 4 to 5 above conv's and its -ELBO 1.3
    # to 1.7 nats: both within their margins, but separated, so not shared
    runs = [("conv", SEEDS, spread([95.8, 95.9, 96.1]),
             means([0.978, 0.979, 0.980], [0.64, 0.645, 0.65], [133.0, 134.0, 135.0])),
            ("conv32", SEEDS, spread([97.1, 97.4, 97.8]),
             means([0.9785, 0.9791, 0.9797], [0.63, 0.632, 0.634], [138.0, 138.9, 139.8]))]
    text = conclusion(rank(runs), runs, "conv")
    assert (r"\texttt{conv32} keeps the digit in the most reconstructions (\qty{97.9}{\percent}; "
            r"\texttt{conv} shares first place, within \num{2}~points of it)") in text
    assert r"Fr\'echet distance (\num{134})." in text
    assert r"\texttt{conv} has the lowest test \negelbo{} (\num{95.9})." in text  # separated
    noisy = [runs[0], ("wild", SEEDS, spread([90.0, 97.0, 104.0]), runs[1][3])]
    assert ("against \\texttt{wild} the seeds decide neither a difference nor one within "
            "\\num{2} nats") in conclusion(rank(noisy), noisy, "conv")
    alone = [(n, [420], spread(loss.values[:1]),
              means(r.digit_kept.values[:1], r.clear_samples.values[:1], r.frechet.values[:1]))
             for n, _, loss, r in runs]
    single = conclusion(rank(alone), alone, "conv")
    assert "first place, within" not in single  # one seed: nothing to test, nothing shared


def step(model, baseline, key, label, old, new, delta):
    return Step(model, baseline, [Change(key, label, old, new)], delta, "better")


def test_improvement_splits_the_gain_through_intermediate_models():
    path = [step("latent16", "assignment", "latent_dim", "latent dimension", 1, 16, -41.19),
            step("conv", "latent16", "architecture", "architecture", "mlp", "conv", -30.11)]
    text = improvement(path, "assignment", "conv", 71.30)
    assert text == (
        r"The best model, \texttt{conv}, the one with the lowest mean validation \negelbo{}, has a "
        r"mean test \negelbo{} \num{71.3} nats below the assignment's model. Split through the study's intermediate models, one change at a "
        r"time, the gain is \num{41.2} nats from \texttt{latent16} against "
        r"\texttt{assignment} (latent dimension 1 to 16; better) and \num{30.1} nats from "
        r"\texttt{conv} against \texttt{latent16} (architecture mlp to conv; better).")
    one = improvement(path[:1], "assignment", "latent16", 41.19)
    assert one.endswith(r"from which it differs in one change (latent dimension 1 to 16; better).")
    assert "lowest mean validation" in improvement([], "assignment", "assignment", 0.0)


def test_the_binarised_estimate_is_read_against_two_standard_errors():
    assert against_literature(86.10, 0.96, 86.76) == (
        r"The estimate of \num{86.1}~\(\pm\)~\num{1.0} nats lies within two standard errors "
        r"(\num{1.9} nats) of the published \num{86.8} nats.")
    assert "lies \\num{3.8} nats below the published \\num{86.8}, \\num{4} times its " \
           "standard error" in against_literature(83.0, 0.96, 86.76)
    assert "nats above the published" in against_literature(90.0, 0.95, 86.76)


def test_a_second_sample_paragraph_leaves_out_the_real_images_references():
    r = readings(shares=[0.1] * 10, confident=0.8, frechet=150.0)
    first = samples(seeds_of(r), r, 0.9, 0.978, 2.8, 1)
    second = samples(seeds_of(r), r, 0.9, 0.978, 2.8, 1, references=False)
    assert r"(real test images: \qty{97.8}{\percent})" in first and "2.8" in first
    assert "real test images" not in second and "two sets of real digits" not in second
    assert r"the test images is \num{150}. In the samples" in second


def test_a_variant_s_finding_says_what_the_tables_cannot():
    from test_comparisons import entry
    from vae.report.comparisons import compare
    from vae.report.prose_study import seeds_needed_cell, variant_finding

    base = entry(test_loss=130.0, spread=1.0, slope=-0.1)
    variant = entry("v", test_loss=129.0, spread=1.0, activation="relu", slope=-1.2)
    variant.seeds[0].test_loss += 2.0  # differences +1, -1, -1
    variant.test_loss = sum(seed.test_loss for seed in variant.seeds) / 3
    found = compare(variant, base, False, p_holm=0.6, family=9)
    assert variant_finding(found, 10, 10.0, 127.0, [7] * 3, [7] * 3, 16) == ""
    assert int(seeds_needed_cell(found)) == found.seeds_needed > 3
    shallow = entry("s", test_loss=120.0, spread=1.0, hidden=400, hidden_layers=1)
    better = compare(shallow, base, False, p_holm=0.001)
    said = variant_finding(better, 10, 10.0, 118.0, [16] * 3, [7, 4, 5], 16)
    assert seeds_needed_cell(better) == ""
    assert "also fits its training images better" in said
    assert ("Its code keeps 16 of 16 units active, the baseline's 4--7: the baseline leaves "
            "more of its code at the prior.") in said


def test_first_place_names_the_shared_and_the_undecided():
    from vae.core.statistics import Leaders
    from vae.report.prose_study import first_place
    assert first_place(Leaders("a", [], []), "1", "wins", "2 nats") == r"\texttt{a} wins (1)"
    both = first_place(Leaders("a", ["b", "c"], ["d"]), "1", "wins", "2 nats")
    assert both == (r"\texttt{a} wins (1; \texttt{b} and \texttt{c} share first place, within "
                    r"2 nats of it; against \texttt{d} the seeds decide neither a difference nor "
                    r"one within 2 nats)")


def test_the_iwae_coverage_names_a_subset_and_its_seed_or_all_images():
    assert iwae_coverage(False, 10_000, 10_000, 2024) == (
        r"it covers all \num{10000} test images, with its standard error over them")
    subset = iwae_coverage(True, 200, 10_000, 2024)
    assert r"\num{200} test images drawn uniformly at random (seed 2024)" in subset
    assert "all" not in subset
