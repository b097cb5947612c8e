"""The shipped corpus: every topic of every round is there, within the authoring bounds."""

from __future__ import annotations

import re

import pytest

from interviewer.corpus import REFERENCE_WORDS, Question, load_corpus

CORPUS = load_corpus(judge_texts=True)  # as `corpus check` loads it

TOPICS = {
    "ml-fundamentals": ("fundamentals", """dataset-collection-steps data-collection-problems data-collection-considerations
        label-imbalance missing-labels feature-types feature-importance feature-selection-methods missing-feature-values
        modeling-algorithms logistic-regression logistic-regression-loss gradient-descent-optimizers hyperparameter-tuning
        overfitting regularization linear-vs-logistic-regression activation-functions tree-ensembles boosting-vs-bagging
        unsupervised-techniques k-means semi-supervised loss-function-types loss-convexity classification-metrics
        regression-metrics model-optimization improving-model-performance"""),
    "ml-fundamentals/deep-learning": ("fundamentals", """cnn-convolutions data-augmentation weight-initialisation
        vanishing-gradients normalisation-layers transfer-learning curse-of-dimensionality learning-paradigms
        cross-validation-schemes time-series-validation"""),
    "system-design/search": ("search", """learning-to-rank query-understanding retrieval-stage click-models-labels
        search-metrics-experiments image-classification-service demand-forecasting-time-series anomaly-detection-metrics
        semantic-search-embeddings personalised-search"""),
    "ml-coding": ("coding", """k-means-implementation knn-implementation decision-tree-implementation
        linear-regression-implementation metrics-implementation reservoir-sampling probability-problems
        hash-tables-distributed graph-problems string-problems array-problems"""),
    "system-design": ("recsys", """system-objective system-metrics content-types mixing-content-types operating-parameters
        system-components cold-start dataset-types dataset-collection dataset-bias serving-bias position-bias
        candidate-sources candidate-generation-stages candidate-generation-algorithms embedding-techniques
        candidate-scoring-at-scale indexing-new-content merging-pruning-candidates"""),
    "system-design/ranking": ("recsys-ranking", """pre-ranking-training pre-ranking-metrics pre-ranking-algorithms
        pre-ranking-optimization ranking-features text-or-id-features count-features heavy-ranker-training
        heavy-ranking-algorithms ranking-architecture calibration ranking-metrics multi-task-models model-serving caching
        model-updates online-experiments model-loading experiment-considerations offline-evaluation-metrics
        online-degradation"""),
    "system-design/applied": ("applied", """document-parsing sentiment-analysis topic-modeling summarization nlu
        supervised-labels unsupervised-features discriminative-features generative-features information-extraction
        ie-metrics classification-model regression-model topic-assignment topic-model-metrics document-clustering
        clustering-metrics text-generation text-generation-metrics modeling-workflow offline-prediction"""),
    "infra-design": ("infra", """faster-development faster-training distributed-training training-pipeline-evaluation
        distributed-training-failures model-updates low-latency-optimization serving-components serving-problems
        feature-hydration latency high-qps updating-models-while-serving deploy-and-rollback server-monitoring
        serving-degradation"""),
    "advanced": ("advanced", """delayed-labels learning-without-labels pricing-models noisy-channel-mt speech-recognition
        transformers fine-tuning"""),
    "systems-engineering": ("syseng", """slow-machine disk-full stuck-process oom-kill file-descriptors virtual-memory
        paging memory-leak processes-vs-threads gil-concurrency gpu-utilization data-loader-bottleneck database-indexes
        transactions-isolation sql-joins sql-window-functions sql-aggregation"""),
    "non-technical": ("nontech", """conflicting-commitments customer-expectations missed-deadline executive-stakeholder
        ambiguous-scope saying-no underperforming-teammate"""),
}
MINIMUM = {"phone-screen": 10, "systems-engineering": 20, "architecture": 8, "non-technical": 20,
           "ml-fundamentals": 39, "ml-coding": 11, "system-design": 71, "infra-design": 16, "advanced": 7}


def test_corpus_has_no_errors_or_warnings() -> None:
    assert [str(p) for p in CORPUS.problems] == []


@pytest.mark.parametrize("round_name", sorted(MINIMUM))
def test_round_has_its_questions(round_name: str) -> None:
    assert len(CORPUS.in_round(round_name)) >= MINIMUM[round_name]


@pytest.mark.parametrize("group", sorted(TOPICS))
def test_every_listed_topic_has_its_question(group: str) -> None:
    prefix, topics = TOPICS[group]
    round_name = group.split("/")[0]
    for topic in topics.split():
        question = CORPUS.by_id.get(f"{prefix}.{topic}")
        assert question is not None, f"missing {prefix}.{topic}"
        assert question.round == round_name and question.tags[0] == topic


def test_google_loop_rounds_cover_their_themes() -> None:
    first_tags = {r: [q.tags[0] for q in CORPUS.in_round(r)] for r in ("phone-screen", "architecture")}
    for tag in ("role-motivation", "ml-warmup", "data-structures-warmup", "past-project"):
        assert tag in first_tags["phone-screen"]
    assert "customer-ml-system" in first_tags["architecture"] and "code-first" in first_tags["architecture"]
    for q in CORPUS.in_round("architecture"):
        assert "first" in q.question.lower(), q.id  # the whole system, then the part coded first


def test_sql_questions_carry_their_schema() -> None:
    sql = [q for q in CORPUS.in_round("systems-engineering") if q.tags[0].startswith("sql")]
    assert len(sql) >= 3
    for q in sql:
        assert re.search(r"\w+\s*\([a-z_]+ [A-Z]+", q.question), q.id


def test_non_technical_round_penalizes_technical_answers_and_drills_four_deep() -> None:
    for q in CORPUS.in_round("non-technical"):
        assert "not-just-technical" in {p.id for p in q.rubric}, q.id
        assert {1, 2, 3, 4} <= {fu.depth for fu in q.follow_ups}, q.id


@pytest.mark.parametrize("question", CORPUS.questions, ids=lambda q: q.id)
def test_question_is_within_authoring_bounds(question: Question) -> None:
    low, high = REFERENCE_WORDS
    assert low <= len(question.reference_answer.split()) <= high
    assert 3 <= len(question.rubric) <= 8 and 2 <= len(question.follow_ups) <= 6
    assert max(fu.depth for fu in question.follow_ups) >= 2
    probed_at_one = {p for fu in question.follow_ups if fu.depth == 1 for p in fu.probes}
    for point in question.rubric:
        if point.weight >= 3:
            assert point.id in probed_at_one, f"{question.id}: weight-3 point {point.id} is not probed at depth 1"
