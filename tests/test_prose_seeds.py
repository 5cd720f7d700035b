"""report/prose_seeds.py: the sentences about which seeds the models train and what the
comparisons pair."""

from __future__ import annotations


def test_the_seed_counts_name_the_models_that_train_more():
    from test_comparisons import with_seeds
    from conftest import entry
    from vae.report.comparisons import UNDECIDED, compare_all
    from vae.report.prose_seeds import more_seeds, seed_counts, seed_plan
    shared = [420, 421, 422]
    base = with_seeds(entry("main", latent_dim=1), [130.0, 131.0, 129.0, 130.5, 129.5])
    grown = with_seeds(entry("a", latent_dim=2), [129.0, 132.0, 128.0, 129.5, 128.5])
    other = with_seeds(entry("b", latent_dim=16), [120.0, 121.0, 119.0])
    assert seed_counts([other], shared) == "three seeds"
    assert seed_counts([base, grown, other], shared) == (
        r"three seeds (five for \texttt{main} and \texttt{a})")
    assert seed_counts([base, grown, other], shared, inside=True) == (
        r"three seeds, five for \texttt{main} and \texttt{a}")
    assert seed_plan([base, grown, other], shared) == (
        r"the same seeds 420 to 422, and 423 and 424 too for \texttt{main} and \texttt{a}")
    found = compare_all([base, grown, other])
    said = more_seeds(found, {"a": UNDECIDED}, shared, 0.05)
    assert said.startswith(r"One comparison pairs more than the three seeds every model trains: "
                           r"\texttt{a} against \texttt{main} (five seeds; on 420 to 422 alone: "
                           r"undecided).")
    assert r"at most $2\alpha=\num{0.10}$" in said
    assert more_seeds(found, {}, shared, 0.05) is None
    assert "two chances" not in more_seeds(found, {"a": "better"}, shared, 0.05)


def test_the_training_caption_says_which_seeds_its_figure_draws():
    from vae.report.numbers import DRAWN_SEEDS
    from vae.report.prose_seeds import training_seeds
    assert training_seeds(DRAWN_SEEDS) == "one colour per seed"
    assert training_seeds(DRAWN_SEEDS + 5) == "one colour for each of its first three seeds (of eight)"


def test_an_undecided_comparison_is_called_uninformative_with_the_seeds_it_needs():
    from dataclasses import replace
    from test_comparisons import with_seeds
    from conftest import entry
    from vae.report.comparisons import UNDECIDED, compare_all
    from vae.report.prose_seeds import undecided
    base = with_seeds(entry("main", latent_dim=1), [130.0, 131.0, 129.0])
    noisy = with_seeds(entry("a", latent_dim=2), [129.0, 133.0, 127.0])
    clear = with_seeds(entry("b", latent_dim=16), [120.0, 121.0, 119.0])
    found = compare_all([base, noisy, clear])
    assert found["a"].verdict == UNDECIDED and found["b"].verdict != UNDECIDED
    said = undecided(found)
    assert said == (rf"Uninformative at this budget: \texttt{{a}} against \texttt{{main}} on "
                    rf"three seeds, where about {found['a'].seeds_needed} would decide it were "
                    rf"its mean and spread to stay. No conclusion rests on it.")
    hopeless = {"a": replace(found["a"], seeds_needed=101)}
    assert "where more than 100 would decide it" in undecided(hopeless)
    assert undecided({"b": found["b"]}) is None
