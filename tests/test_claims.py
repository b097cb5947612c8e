"""Claims in text: ordinary paraphrases assert a claim; denials, lists and borrowed words do not."""

from __future__ import annotations

from interviewer.claims import assertion, asserts, carried, claim_term_pattern, states_misconception
from interviewer.corpus import load_corpus
from interviewer.judge import is_term_list

from conftest import TINY_CORPUS

IMBALANCE = load_corpus(TINY_CORPUS).by_id["fundamentals.label-imbalance"]
ACCURACY_IS_RIGHT = [["accuracy"], ["right metric", "main metric"]]


def test_a_paraphrased_judgement_states_the_same_misconception() -> None:
    for said in ("Accuracy is the right metric here.", "Accuracy is a fine metric here.", "Accuracy is an appropriate measure."):
        assert states_misconception(ACCURACY_IS_RIGHT, said), said
    assert not states_misconception(ACCURACY_IS_RIGHT, "Accuracy is not a fine metric here.")


def test_every_word_of_a_term_inflects_and_synonyms_of_common_verbs_count() -> None:
    claim = [["reduce variance"], ["bagging"]]
    assert asserts(claim, "Bagging reduces variance.")
    assert asserts(claim, "Bagging lowers variance by averaging.")
    assert asserts([["normalize"], ["features"]], "I'd normalise the features first.")
    assert not asserts([["reduce variance"], ["bagging"]], "Bagging raises variance.")


def test_hyphenated_compounds_are_taken_literally() -> None:
    assert claim_term_pattern("fine-tune").search("we fine-tuned it")
    assert not claim_term_pattern("fine-tune").search("a good tune")
    assert not claim_term_pattern("the model").search("thing model")


def test_negations_in_different_stretches_do_not_cancel() -> None:
    claim = [["deferred"], ["tell"]]
    assert not asserts(claim, "The deferred requests won't ship, so there's no need to tell them.")
    assert asserts(claim, "For every deferred request, I'd tell the person who asked.")


def test_a_colon_does_not_split_a_claim() -> None:
    assert asserts([["mae"], ["easy to explain"]], 'MAE is just "we are off by this many minutes": easy to explain.')


def test_phrasings_that_deny_an_ability_negate_the_claim() -> None:
    assert not asserts([["fine-tuning"], ["inject facts"]], "Fine-tuning is poor at injecting facts.")
    assert not asserts([["fine-tuning"], ["inject facts"]], "Fine-tuning fails to inject facts reliably.")


def test_a_leading_pronoun_carries_the_previous_sentences_topic() -> None:
    previous = "MAPE divides each miss by the true value."
    text = carried(previous, "It explodes when the true value is near zero.")
    assert asserts([["mape"], ["near zero"]], text)
    assert carried(previous, "Near zero it explodes.") == "Near zero it explodes."
    assert carried(previous, "It is not true that it explodes.") == "It is not true that it explodes."


def test_only_the_previous_subject_is_carried() -> None:
    previous = "R squared, which nobody on the team trusts, compares errors with the mean."
    text = carried(previous, "It can go negative.")
    assert text.startswith("R squared:")
    assert assertion([["compares errors"], ["negative"]], text) is None


def test_a_run_on_list_of_terms_joined_by_and_is_not_a_claim() -> None:
    stuffed = ("This involves precision and recall and PR-AUC and SMOTE and class weights and Platt scaling and "
               "isotonic regression and calibration curves.")
    assert is_term_list(stuffed, IMBALANCE)
    plain = "I would undersample the negatives and weight the loss, and then recalibrate the probabilities with Platt scaling."
    assert not is_term_list(plain, IMBALANCE)


def test_a_topic_stands_in_for_an_unnamed_subject_and_nothing_else() -> None:
    """'MAPE divides by the true time. Near-zero targets make the percentage blow up.': the second sentence is about MAPE."""
    claim = [["mape"], ["near zero", "blows up"]]
    said = "Percentages are popular, and near-zero targets make the percentage blow up."
    assert not asserts(claim, said) and assertion(claim, said, topic="MAPE") is not None
    assert assertion(claim, said, topic="RMSE") is None  # another subject does not stand in
    assert assertion(claim, "Small targets never make the percentage blow up.", topic="mape") is None  # negation still applies
    assert assertion([["mape"]], "It blows up.", topic="mape") is None  # a topic alone is no claim
    assert states_misconception([["l2", "ridge"], ["exactly zero"]], "Many weights end up exactly zero.", "ridge") is not None


def test_a_claim_the_sentence_turns_down_is_not_asserted() -> None:
    """What a candidate describes only to reject it is not what they claim."""
    id_dropout = [["dropout"], ["id embeddings", "unseen items"]]
    assert asserts(id_dropout, "Dropout on ID embeddings teaches the model to lean on content for unseen items.")
    assert not asserts(id_dropout, "Dropout on ID embeddings would hurt accuracy on known items, so I'd never use it.")
    assert not asserts([["hash matching"], ["known content"]], "Hash matching against known content is outdated now.")
    assert not asserts([["inverse propensity weighting"], ["unbiased"]], "I'd avoid inverse propensity weighting, even if unbiased.")
    assert asserts([["split"], ["by time"]], "We split by time to avoid leakage.")  # avoiding something else is still a claim
    assert not asserts([["email"], ["new name"]], "A forwarded email with a new name doesn't do that.")  # a denial of the statement
    assert asserts([["numpy"], ["holds the gil"]], "NumPy holds the GIL, so threads won't help.")  # a consequence, not a denial
    assert asserts([["leakage"], ["split by time"]], "We guard against leakage with a split by time.")


def test_a_placeholder_accepts_any_value_the_candidates_story_has() -> None:
    result = [["misroutes", "duplicates"], ["fell from {percent}", "dropped from {percent}"]]
    assert asserts(result, "Live duplicates fell from 8% to 2.5% within a month.")
    assert asserts(result, "Misroutes dropped from 25 percent to 7.")
    assert not asserts(result, "Duplicates fell from the top of search.")  # a placeholder still wants a value
    assert asserts([["cut", "reduced"], ["{number} hours"]], "It cut moderator time by 20 hours a week.")


def test_overlapping_terms_cannot_stand_for_two_groups() -> None:
    vague = [["get back to them", "think about it"], ["them", "customer"]]
    assert not asserts(vague, "I'd log it and get back to them when something changes.")
    assert asserts(vague, "I'd tell the customer we'll think about it.")


def test_a_formula_in_parentheses_is_not_a_clause_break_but_an_aside_is() -> None:
    size = [["(n + 2p - k) / s", "n + 2p - k"], ["+ 1", "floor"]]
    assert asserts(size, "Spatial output size is floor((n + 2p - k) / s) + 1.")
    assert asserts([["o(n log n)"], ["sort"]], "Sorting costs O(n log n) time.")
    assert not asserts([["l1"], ["selection"]], "L1 gives zeros (which is why people like it for selection) and L2 shrinks.")


def test_a_group_is_found_through_its_paraphrases_and_placeholders_even_without_its_written_word() -> None:
    assert asserts((("dropout",), ("reduce",), ("overfitting",)), "Dropout lowers overfitting.")
    assert asserts((("latency",), ("fell from {percent} to {percent}",)), "Latency fell from 40% to 12 percent.")
    assert not asserts((("dropout",), ("reduce",), ("overfitting",)), "Dropout is a layer.")
