"""report/prose_images.py: the sentences that read a model's images, from crafted readings,
checked word for word."""

from __future__ import annotations

from dataclasses import replace
from vae.instrument.measurements import (
    Confusion,
    ManifoldReading,
)
from vae.report.prose_images import (
    prior_mismatch,
    manifold,
    neighbours,
    reconstructions,
    samples,
)
from vae.report.numbers import reading_spread, spread

from readings_builders import recon, readings, INFO, seeds_of


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
    compared = reconstructions(seeds_of(figure, readings(recon(0.6)), readings(recon(0.55))),
                               figure, 1, 3, "sec:training")
    assert compared.startswith(
        r"The digit classifier reads the input's digit in \qty{57.1 +- 2.6}{\percent} of the "
        r"\num{10000} test reconstructions (\cref{sec:training} compares the training images' "
        r"share). For the model in the figure (seed 421) it ranges")
    assert text == (
        r"The digit classifier reads the input's digit in \qty{57.1 +- 2.6}{\percent} of the "
        r"\num{10000} test reconstructions and in \qty{55.0 +- 0.0}{\percent} of \num{10000} "
        r"training reconstructions drawn at random. For the model in the figure (seed 421) it "
        r"ranges per digit from \qty{0.0}{\percent} for 4 to \qty{90.0}{\percent} for 1; its "
        r"most frequent confusions, by count, are 4 as 9 (\qty{65}{\percent} of the test 4s) and 8 as 3 "
        r"(\qty{46}{\percent} of the test 8s). In the figure, two of the ten test "
        r"reconstructions come back as another digit (4 as 9 and 5 as 0). How much can one "
        r"coordinate say about an image? By \eqref{eq:ex4-general}, the mean KL, "
        r"\num{4.0 +- 0.1} nats, bounds the information $I(x;z)$ from above only. A Monte Carlo estimate of $I(x;z)$ itself "
        r"(\cref{app:information}) gives \num{3.2 +- 0.1} nats, more than the $\log 10 = 2.30$ "
        r"nats that naming one of ten equally likely digits takes: the code has the capacity "
        r"to name the digit, which does not show that it does. Reconstructions lose the digit "
        r"anyway. A likely reason, which the study does not test: the reconstruction term also "
        r"rewards slant, width and stroke, and class and style share the same number, so that "
        r"digits that look alike are put side by side (\hyperref[sec:bonus]{Bonus}) and "
        r"decoded as one another.")
    kept = [readings(recon(0.95), information=INFO) for _ in range(3)]  # nothing to explain
    assert reconstructions(reading_spread(kept), kept[0], 2, 3).endswith(
        "the code has the capacity to name the digit, which does not show that it does.")


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
        r"figure's) the vote most often (by count) takes 9 as 7 (\qty{31}{\percent} of the test 9s): these "
        r"classes share a region of the code.")
    one = neighbours([("assignment", first, spread([0.574]))], seeds=1)
    assert r"\qty{57.4}{\percent} for \texttt{assignment}. For \texttt{assignment} (its one run" \
        in one


def test_a_second_sample_paragraph_leaves_out_the_real_images_references():
    r = readings(shares=[0.1] * 10, confident=0.8, frechet=150.0)
    first = samples(seeds_of(r), r, 0.9, 0.978, 2.8, 1)
    second = samples(seeds_of(r), r, 0.9, 0.978, 2.8, 1, references=False)
    assert r"(real test images: \qty{97.8}{\percent})" in first and "2.8" in first
    assert "real test images" not in second and "two sets of real digits" not in second
    assert r"the test images is \num{150}. In the samples" in second



def test_the_prior_mismatch_is_the_mean_kl_less_log_n_and_only_a_lower_bound():
    text = prior_mismatch(22.5, 10_000, appendix=True)
    # log 10000 = 9.21: at least 13.3 nats between q(z) and the prior
    assert r"$\log N = \num{9.21}$ nats (\cref{app:information})" in text
    assert r"lies at least \num{13.3} nats from the prior" in text
    assert "which may explain (the study does not test it) the samples" in text
    small = prior_mismatch(8.0, 10_000, appendix=False)
    assert "cref" not in small and "at least" not in small
    assert small.endswith("does not show whether the aggregate posterior departs from the prior.")


def test_the_samples_caption_names_the_prior_and_the_grid_of_the_code_s_shape():
    from vae.report.prose_images import samples_caption

    line = samples_caption("line", 420)
    assert r"decoded from $z\sim\mathcal{N}(0,1)$ (top)" in line and "one-dimensional manifold" in line
    plane = samples_caption("plane", 421)
    assert "(seed 421)" in plane and r"$z\sim\mathcal{N}(0,I_m)$" in plane and "grid of evenly" in plane
    large = samples_caption("", 422)
    assert large == r"New digits from the main model (seed 422), decoded from $z\sim\mathcal{N}(0,I_m)$."
