"""Each kind of sentence discussion.py writes, from crafted readings, checked word for word."""

from __future__ import annotations

from vae.instrument.measurements import (
    Confusion,
    ManifoldReading,
    ModelReadings,
    Neighbours,
    PathReading,
    Reconstructions,
    Samples,
)
from vae.report.comparisons import Change, Step
from vae.report.discussion import (
    against_literature,
    bonus_answer,
    conclusion,
    improvement,
    interpolation,
    manifold,
    neighbours,
    path_smooth,
    reconstructions,
    samples,
    smoothness,
    training_gap,
)
from vae.report.numbers import ReadingSpread, Spread

UNIFORM = [0.1] * 10


def recon(accuracy=0.5, per_class=None, found=(), shown=tuple(range(10))) -> Reconstructions:
    return Reconstructions(10_000, accuracy, list(per_class or [accuracy] * 10), list(found),
                           list(shown))


def readings(test=None, shares=UNIFORM, confident=0.7, frechet=100.0, paths=(),
             manifold_reading=None, knn=0.8, knn_found=()) -> ModelReadings:
    return ModelReadings(
        name="m", seed=420, run_hash="h", train=recon(0.55), test=test or recon(),
        samples=Samples(10_000, list(shares), confident, frechet), paths=list(paths),
        manifold=manifold_reading, neighbours=Neighbours(10, knn, [knn] * 10, list(knn_found)))


def path(start, end, classes, jump=1.2) -> PathReading:
    others = []
    for c in classes:
        if c not in (start, end) and c not in others:
            others.append(c)
    changes = sum(1 for a, b in zip(classes, classes[1:]) if a != b)
    return PathReading(start, end, classes, changes, others, jump)


def test_training_gap_within_the_swing_and_the_last_epoch_the_worst():
    text = training_gap(160.95, 167.84, 159.59, 167.84, 0.555, 0.563, [420])
    assert text == (
        r"The last epoch's mean training loss, \num{160.95} nats, averages steps taken while the "
        r"weights still changed; the test loss after that epoch is \num{167.84} nats. Over the "
        r"second half of training the test loss moved between \num{159.59} and \num{167.84} "
        r"nats from one epoch to the next, a swing of \num{8.25} nats, and the last epoch "
        r"happens to be the highest of them. The gap of \num{6.89} nats between training and "
        r"test is within that swing, so it is no evidence of over-fitting; the digit classifier "
        r"(\cref{sec:reconstructions}) reads back the digit of \qty{55.5}{\percent} of "
        r"reconstructed training images and \qty{56.3}{\percent} of test images.")


def test_training_gap_beyond_the_swing_says_the_model_fits_its_training_images():
    text = training_gap(100.0, 110.0, 109.0, 111.0, 0.9, 0.8, [420, 421, 422])
    assert "a swing of \\num{2.00} nats. The gap of \\num{10.00} nats between training and " \
           "test exceeds that swing: the model fits its training images better than unseen " \
           "ones;" in text
    assert "highest" not in text and "lowest" not in text
    assert text.startswith("Averaged over the three seeds, the last epoch's mean training loss")
    assert text.endswith(r"\qty{80.0}{\percent} of test images (the model of seed 420).")


def test_reconstructions_name_the_confusions_and_the_figure_s_misreadings():
    per_class = [0.7, 0.9, 0.7, 0.7, 0.0, 0.2, 0.7, 0.7, 0.2, 0.6]
    found = [Confusion(4, 9, 650, 0.65), Confusion(8, 3, 450, 0.46)]
    shown = [0, 1, 2, 3, 9, 0, 6, 7, 8, 9]
    text = reconstructions(readings(recon(0.563, per_class, found, shown)), kl=3.8, latent_dim=1)
    assert text.startswith(
        r"The digit classifier reads the input's digit in \qty{56.3}{\percent} of the "
        r"\num{10000} test reconstructions and in \qty{55.0}{\percent} of \num{10000} training "
        r"reconstructions drawn at random; per digit, from \qty{0.0}{\percent} for 4 to "
        r"\qty{90.0}{\percent} for 1. The most frequent confusions are 4 as 9 "
        r"(\qty{65}{\percent} of the test 4s) and 8 as 3 (\qty{46}{\percent} of the test 8s). "
        r"In the figure, two of the ten test reconstructions come back as another digit "
        r"(4 as 9 and 5 as 0). The failures are not for lack of information in total:")
    assert "with one coordinate, class and style share" in text


def test_a_code_below_log_10_nats_cannot_name_every_digit():
    text = reconstructions(readings(), kl=1.5, latent_dim=1)
    assert "all ten test reconstructions keep their digit" in text
    assert text.endswith(r"it is less than the $\log 10 = 2.30$ nats that naming one of ten "
                         r"digits takes, so the code cannot tell every class apart.")
    assert "lack of information" not in reconstructions(readings(), kl=20.0, latent_dim=16)
    assert "KL" not in reconstructions(readings(), kl=20.0, latent_dim=16)


def test_samples_name_missing_scarce_and_over_represented_digits():
    shares = [0.159, 0.089, 0.163, 0.134, 0.0, 0.061, 0.108, 0.088, 0.046, 0.152]
    text = samples(readings(shares=shares, confident=0.545, frechet=927.61), 0.9, 0.979, 2.71)
    assert text == (
        r"Of \num{10000} digits decoded from the prior, the classifier names "
        r"\qty{54.5}{\percent} with probability at least 0.9, against \qty{97.9}{\percent} of "
        r"real test images. Against a uniform share of \qty{10}{\percent}, digit 4 is missing "
        r"(below \qty{0.5}{\percent}); 8 (\qty{4.6}{\percent}) is scarce; 0 "
        r"(\qty{15.9}{\percent}), 2 (\qty{16.3}{\percent}) and 9 (\qty{15.2}{\percent}) are "
        r"over-represented. The Fr\'echet distance between the classifier's features of the "
        r"samples and of the test images is \num{927.6}; for training against test images, two "
        r"sets of real digits, it is \num{2.7}.")


def test_even_samples_give_their_range():
    text = samples(readings(shares=[0.09] * 5 + [0.11] * 5), 0.9, 0.98, 2.7)
    assert r"Every digit takes between \qty{9.0}{\percent} and \qty{11.0}{\percent} of the " \
           r"samples (uniform: \qty{10}{\percent})." in text


def test_manifold_line_and_plane():
    line = ManifoldReading([0, 2, 2, 6, 5, 3, 9, 0], [1, 4, 7, 8])
    assert manifold(line, 1) == (
        "Read from left to right, the classifier names the 8 points of the decoded line "
        "0, 2, 2, 6, 5, 3, 9, 0: six changes of digit; 1, 4, 7 and 8 never appear, so the "
        "prior gives them no region of their own.")
    plane = ManifoldReading([0] * 300 + list(range(10)) * 10, [])
    assert manifold(plane, 2) == (
        r"Of the \num{400} points of the decoded grid, the most frequent digit is 0 "
        r"(\qty{77.5}{\percent}); every digit appears somewhere.")


def test_neighbours_quote_every_model_over_seeds_and_the_first_one_s_confusions():
    first = readings(knn=0.574, knn_found=[Confusion(9, 7, 300, 0.31)])
    text = neighbours([("assignment", first, Spread(0.609, 0.034)),
                       ("conv", readings(knn=0.968), Spread(0.97, 0.002))], seeds=3)
    assert text == (
        r"How well the code separates the classes, without ever seeing a label, is measured by "
        r"a vote of the 10 nearest posterior means (leave-one-out, all test images): it recovers "
        r"the label of \qty{60.9 +- 3.4}{\percent} for \texttt{assignment} and "
        r"\qty{97.0 +- 0.2}{\percent} for \texttt{conv}. For \texttt{assignment}'s first seed the "
        r"vote most often takes 9 as 7 (\qty{31}{\percent} of the test 9s): these classes share "
        r"a region of the code.")
    one = neighbours([("assignment", first, Spread(0.574, 0.0))], seeds=1)
    assert r"\qty{57.4}{\percent} for \texttt{assignment}. For \texttt{assignment} the" in one


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


def test_interpolation_words_path_by_path():
    text = interpolation("assignment", readings(paths=[SMOOTH, STUCK, WANDERING]))
    assert text == (
        r"For \texttt{assignment}, 0$\to$6 turns from 0 to 6 at frame 5; 4$\to$9 reads 9 in all "
        r"10 frames; 2$\to$5 passes through 6, 3, 9, 7 and 0 (six changes of digit), and ends "
        r"as 0, never reaching 5. One of its three paths is smooth by the rule below; the "
        r"largest step between neighbouring frames is \num{1.20} times the path's mean step.")


def test_every_or_no_path_smooth_is_said_so():
    assert "All of its two paths are smooth" in interpolation("m", readings(paths=[SMOOTH] * 2))
    assert "None of its two paths are smooth" in interpolation("m", readings(paths=[STUCK] * 2))


def test_bonus_answer_is_yes_partly_or_no_with_the_rule():
    good, mixed, bad = (readings(paths=[SMOOTH, SMOOTH]), readings(paths=[SMOOTH, STUCK]),
                        readings(paths=[STUCK, JUMPY]))
    assert [smoothness(r) for r in (good, mixed, bad)] == ["yes", "partly", "no"]
    text = bonus_answer([("assignment", bad), ("conv", good)])
    assert text.startswith(r"\textbf{Answer: partly.} A path counts as smooth when")
    assert text.endswith(r"\texttt{assignment}: no (none of two paths smooth). "
                         r"\texttt{conv}: yes (two of two paths smooth).")
    assert bonus_answer([("conv", good)]).startswith(r"\textbf{Answer: yes.}")


def means(kept: float, confident: float, frechet: float) -> ReadingSpread:
    """Readings over seeds as the conclusion reads them, each with a small spread."""
    return ReadingSpread(Spread(kept, 0.01), Spread(0.8, 0.01), Spread(confident, 0.01),
                         Spread(frechet, 5.0))


def test_conclusion_separates_the_best_loss_from_the_best_samples():
    runs = [("assignment", Spread(167.84, 5.0), means(0.56, 0.55, 927.6)),
            ("latent16", Spread(132.0, 0.3), means(0.86, 0.73, 396.4)),
            ("conv", Spread(96.5, 0.1), means(0.98, 0.61, 151.0))]
    text = conclusion(runs, "assignment", 3)
    assert text == (
        r"Across the three models, as means over seeds, \texttt{conv} has the lowest test "
        r"\negelbo{} (\num{96.50}). \texttt{conv} keeps the digit in the most reconstructions "
        r"(\qty{98.0}{\percent}). \texttt{conv} generates the samples closest to real digits by "
        r"Fr\'echet distance (\num{151.0}). \texttt{latent16} makes the most samples that are "
        r"clearly a digit (\qty{73.0}{\percent}). The lowest \negelbo{} does not give the most recognisable "
        r"samples: \texttt{conv} names a digit confidently in only \qty{61.0}{\percent} of its "
        r"samples. The assignment's model, \texttt{assignment}, scores \num{167.84} nats, keeps "
        r"the digit in \qty{56.0}{\percent} of reconstructions and has a Fr\'echet distance of "
        r"\num{927.6}.")
    one_winner = [(n, loss, means(0.5, 0.9 if n == "conv" else 0.5, 100.0 + loss.mean))
                  for n, loss, _ in runs]
    assert "does not give" not in conclusion(one_winner, "assignment", 3)


def test_conclusion_names_every_model_the_seeds_cannot_separate_from_the_best():
    runs = [("conv", Spread(95.94, 0.13), means(0.979, 0.645, 134.0)),
            ("conv32", Spread(97.44, 0.31), means(0.9791, 0.632, 138.9))]
    text = conclusion(runs, "conv", 3)
    assert (r"\texttt{conv32} keeps the digit in the most reconstructions (\qty{97.9}{\percent}; "
            r"the seeds do not separate \texttt{conv} from it)") in text
    assert r"\texttt{conv} has the lowest test \negelbo{} (\num{95.94})." in text  # p < 0.05
    single = conclusion(runs, "conv", 1)  # one seed: nothing to test, the best mean stands alone
    assert r"\texttt{conv32} keeps the digit in the most reconstructions (\qty{97.9}{\percent})." \
        in single


def step(model, baseline, key, label, old, new, delta):
    return Step(model, baseline, [Change(key, label, old, new)], delta, "helped")


def test_improvement_splits_the_gain_through_intermediate_models():
    path = [step("latent16", "assignment", "latent_dim", "latent dimension", 1, 16, -41.19),
            step("conv", "latent16", "architecture", "architecture", "mlp", "conv", -30.11)]
    text = improvement(path, "assignment", "conv", 71.30)
    assert text == (
        r"The best model, \texttt{conv}, has a mean test \negelbo{} \num{71.30} nats below the "
        r"assignment's model. Split through the study's intermediate models, one change at a "
        r"time, the gain is \num{41.19} nats from \texttt{latent16} against "
        r"\texttt{assignment} (latent dimension 1 to 16) and \num{30.11} nats from "
        r"\texttt{conv} against \texttt{latent16} (architecture mlp to conv).")
    one = improvement(path[:1], "assignment", "latent16", 41.19)
    assert one.endswith(r"from which it differs in one change (latent dimension 1 to 16).")
    assert "lowest mean test" in improvement([], "assignment", "assignment", 0.0)


def test_the_binarised_estimate_is_read_against_two_standard_errors():
    assert against_literature(86.10, 0.95, 86.76) == (
        r"The estimate of \num{86.10}~\(\pm\)~\num{0.95} nats lies within two standard errors "
        r"(\num{1.90} nats) of the published \num{86.76} nats.")
    assert "lies \\num{3.76} nats below the published \\num{86.76}, more than two standard " \
           "errors (\\num{1.90} nats)" in against_literature(83.0, 0.95, 86.76)
    assert "nats above the published" in against_literature(90.0, 0.95, 86.76)


def test_a_second_sample_paragraph_leaves_out_the_real_images_references():
    r = readings(shares=[0.1] * 10, confident=0.8, frechet=150.0)
    first, second = samples(r, 0.9, 0.978, 2.8), samples(r, 0.9, 0.978, 2.8, references=False)
    assert r"\qty{97.8}{\percent} of real test images" in first and "2.8" in first
    assert "real test images" not in second and "two sets of real digits" not in second
    assert second.endswith(r"the test images is \num{150.0}.")
