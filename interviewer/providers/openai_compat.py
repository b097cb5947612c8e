"""Any OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM, llama.cpp, LM Studio) by base URL.

One retry policy: the openai client retries transport failures (timeouts, 429 with
Retry-After, 5xx) with backoff; this module never loops on those. It re-asks only when a
grade comes back invalid, sending the validation error back to the model (as instructor
does). 401 and 403 are never retried. Text from the endpoint is scrubbed of the key.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from interviewer.config import Settings
from interviewer.corpus import Question
from interviewer.grading import AnswerPart, PointGrade, PointGrades, QuestionGrade, scorable_text, weighted_score
from interviewer.prompts import persona, prompt_text
from interviewer.providers import (
    Exchange, FollowUpContext, Graded, ProviderError, ProviderRejected, ProviderUnavailable, QuestionSummary, Streamed, Written,
)
from interviewer.tokens import Usage, cost_usd, count_messages, count_tokens, truncate_tokens

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from interviewer.judge import OfflineJudge

ResponseMode = Literal["json_schema", "json_object", "plain"]
ANSWER_TOKENS = 500  # per candidate message inside a prompt: a full strong answer is about 330
HISTORY_TOKENS = 350  # the conversation window: fixed, so prompts stay flat over a long interview
REFERENCE_TOKENS = 550
UNVERIFIED_CAP = 0.5  # coverage allowed when the quoted evidence is not in the answer
INJECTION_GAP = 30.0  # an answer that talks to the grader keeps the lower grade when model and offline differ by more
LOCAL_KEY = "not-needed"  # local servers (Ollama, vLLM, llama.cpp) accept any key


class UnsupportedRequest(ProviderError):
    """The endpoint rejected the request itself (HTTP 400), e.g. a response format it lacks."""


class InvalidGrade(ProviderError):
    """The model's grades stayed invalid through every re-ask."""


def as_data(text: str) -> str:
    """Candidate text with our delimiters defused, so it cannot close the data block."""
    return text.replace("<<<", "‹‹‹").replace(">>>", "›››")


def scrub(text: str) -> str:
    """Endpoint text with the API key removed, before it is stored, shown or logged."""
    key = os.environ.get("OPENAI_API_KEY", "")
    if len(key) >= 8:
        text = text.replace(key, "[API key]")
    return re.sub(r"sk-[A-Za-z0-9_\-]{8,}", "[API key]", text)


class OpenAIProvider:
    """Follow-ups and grades from a chat-completions endpoint; the key comes from the environment only."""

    name = "openai"

    def __init__(self, settings: Settings, judge: OfflineJudge) -> None:
        import openai

        self.settings = settings
        self.model = settings.model
        self._judge = judge
        self._mode: ResponseMode = "json_schema"
        self._client = openai.OpenAI(
            api_key=os.environ.get("OPENAI_API_KEY") or LOCAL_KEY,
            base_url=settings.base_url or os.environ.get("OPENAI_BASE_URL") or None,
            timeout=settings.timeout_s,
            max_retries=settings.max_retries,  # the client backs off and honours Retry-After
        )

    def _usage(self, prompt_tokens: int, completion_tokens: int) -> Usage:
        usage = Usage(prompt_tokens, completion_tokens, 1)
        return Usage(prompt_tokens, completion_tokens, 1, cost_usd(self.model, usage))

    # -- follow-ups --------------------------------------------------------------------------

    def follow_up_messages(self, context: FollowUpContext) -> list[BaseMessage]:
        """System persona, a token-trimmed window of the conversation, then the follow-up instructions."""
        from langchain_core.messages import trim_messages

        q, grade = context.question, context.assessment
        status = "\n".join(f"- {p.id} (weight {p.weight:g}, coverage {grade.coverage(p.id):.2f}): {p.point}" for p in q.rubric)
        uncovered = sorted((p for p in q.rubric if grade.coverage(p.id) < 0.5), key=lambda p: -p.weight)
        heard = [f"- {p.point_id}: \"{p.evidence}\" (correct view: {p.correction or q.point(p.point_id).point})" for p in grade.contradicted()]
        known = "\n".join(f"- {m.id} (contradicts {m.contradicts}): {m.correction}" for m in q.misconceptions) or "none listed"
        history = trim_messages(
            [self._history_message(e) for e in context.history[:-1]],
            max_tokens=HISTORY_TOKENS, token_counter=self._prompt_tokens, strategy="last", allow_partial=False,
        )
        return chat_prompt("follow_up.md").format_messages(
            persona=persona(context.round),
            history=history,
            round=context.round,
            question=q.question,
            reference_answer=truncate_tokens(q.reference_answer, REFERENCE_TOKENS, self.model),
            rubric_status=status,
            uncovered=", ".join(p.id for p in uncovered) or "none: go one level deeper",
            misconceptions=known,
            heard="\n".join(heard) or "none detected",
            depth=context.plan.depth,
            suggested=context.plan.ask or "none",
            related="; ".join(r.title for r in context.related) or "none",
            answer=as_data(truncate_tokens(context.answer, ANSWER_TOKENS, self.model)),
        )

    def _history_message(self, exchange: Exchange) -> BaseMessage:
        from langchain_core.messages import AIMessage, HumanMessage

        text = truncate_tokens(exchange.text, HISTORY_TOKENS // 2, self.model)
        if exchange.role == "interviewer":
            return AIMessage(text)
        return HumanMessage(f"<<<CANDIDATE\n{as_data(text)}\nCANDIDATE>>>")

    def _prompt_tokens(self, messages: Sequence[BaseMessage]) -> int:
        return count_messages([(m.type, str(m.content)) for m in messages], self.model)

    def stream_follow_up(self, context: FollowUpContext) -> Streamed:
        messages = self.follow_up_messages(context)
        payload = _openai_messages(messages)
        prompt_tokens = self._prompt_tokens(messages)

        def pieces(reply: Streamed) -> Iterator[str]:
            sent: list[str] = []
            reply.add(self._usage(prompt_tokens, 0))
            try:
                for piece in self._stream(payload):
                    sent.append(piece)
                    yield piece
            except ProviderRejected as exc:
                exc.usage = reply.usage
                raise
            except ProviderUnavailable as exc:
                if not sent:
                    exc.usage = reply.usage
                    raise
                # The stream dropped mid-reply: finish it with one plain request (the client retries that).
                reply.add(self._usage(prompt_tokens, 0))
                text = self._complete(payload)
                already = "".join(sent)
                rest = text[len(already) :] if text.startswith(already) else f"\n(Let me rephrase.) {text}"
                sent.append(rest)
                yield rest
            completion = Usage(0, count_tokens("".join(sent), self.model))
            reply.add(Usage(0, completion.completion_tokens, 0, cost_usd(self.model, completion)))

        return Streamed(pieces)

    def _stream(self, payload: list[dict[str, Any]]) -> Iterator[str]:
        import openai

        try:
            stream: Any = self._client.chat.completions.create(model=self.model, messages=payload, stream=True, temperature=0.3)  # type: ignore[arg-type]
            finished = False
            for chunk in stream:
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                finished = finished or choice.finish_reason is not None
                if choice.delta and choice.delta.content:
                    yield choice.delta.content
            if not finished:  # some servers close a dropped stream cleanly; no finish_reason gives it away
                raise ProviderUnavailable("the reply stream ended before the model finished")
        except openai.BadRequestError as exc:
            raise UnsupportedRequest(_describe(exc)) from exc
        except Exception as exc:
            raise _failure(exc) from exc

    def _complete(self, payload: list[dict[str, Any]], **extra: Any) -> str:
        import openai

        try:
            response = self._client.chat.completions.create(model=self.model, messages=payload, **extra)  # type: ignore[arg-type]
            return (response.choices[0].message.content or "") if response.choices else ""
        except openai.BadRequestError as exc:
            raise UnsupportedRequest(_describe(exc)) from exc
        except Exception as exc:
            raise _failure(exc) from exc

    def clarify(self, question: Question, asked: str, facts: Sequence[str]) -> Written:
        """The answer to a clarifying question, from the question's scenario facts only (prompts/clarify.md)."""
        messages = chat_prompt("clarify.md").format_messages(
            persona=persona(question.round), history=[], round=question.round, question=question.question,
            asked=as_data(truncate_tokens(asked, ANSWER_TOKENS, self.model)), facts="\n".join(facts),
        )
        prompt_tokens = self._prompt_tokens(messages)
        try:
            reply = self._complete(_openai_messages(messages), temperature=0).strip()
        except ProviderError as exc:
            exc.usage = self._usage(prompt_tokens, 0)
            raise
        return Written(scrub(reply), self._usage(prompt_tokens, count_tokens(reply, self.model)))

    def feedback(self, round_name: str, results: Sequence[QuestionSummary]) -> Written:
        messages = chat_prompt("report.md").format_messages(
            persona=persona(round_name), history=[], round=round_name, results="\n".join(r.as_text() for r in results)
        )
        prompt_tokens = self._prompt_tokens(messages)
        try:
            reply = self._complete(_openai_messages(messages), temperature=0.3).strip()
        except ProviderError as exc:
            exc.usage = self._usage(prompt_tokens, 0)
            raise
        usage = self._usage(prompt_tokens, count_tokens(reply, self.model))
        if not reply:
            raise ProviderError("the model returned empty feedback", usage)
        return Written(scrub(reply), usage)

    # -- grading -----------------------------------------------------------------------------

    def grade_messages(self, question: Question, parts: Sequence[AnswerPart]) -> tuple[list[BaseMessage], list[str]]:
        """Grader prompt with injection-stripped, delimited answers; also the notes from stripping."""
        notes: list[str] = []
        blocks: list[str] = []
        for i, part in enumerate(parts):
            text, part_notes = scorable_text(part.text)
            notes.extend(n for n in part_notes if n not in notes)
            label = "Main answer" if i == 0 else "Answer to a follow-up"
            blocks.append(f"{label}:\n{as_data(truncate_tokens(text, ANSWER_TOKENS, self.model))}")
        rubric = "\n".join(f"- {p.id} (weight {p.weight:g}): {p.point}" for p in question.rubric)
        known = "\n".join(f"- {m.id} (contradicts {m.contradicts}): {m.correction}" for m in question.misconceptions) or "none listed"
        messages = chat_prompt("grader_user.md").format_messages(
            system=prompt_text("grader_system.md"),
            question=question.question,
            reference_answer=truncate_tokens(question.reference_answer, REFERENCE_TOKENS, self.model),
            rubric=rubric,
            misconceptions=known,
            answers="\n\n".join(blocks) or "(no answer)",
        )
        return messages, notes

    def grade(self, question: Question, parts: Sequence[AnswerPart]) -> Graded:
        if not parts:
            return Graded(self._judge.grade(question, parts))
        from langchain_core.messages import AIMessage, HumanMessage

        messages, notes = self.grade_messages(question, parts)
        answers = "\n".join(scorable_text(p.text)[0] for p in parts)
        usage = Usage()
        raw = ""
        for attempt in range(1, self.settings.max_retries + 2):
            prompt_tokens = self._prompt_tokens(messages)
            try:
                raw = self._complete_json(_openai_messages(messages), question)
            except ProviderError as exc:
                exc.usage = usage + self._usage(prompt_tokens, 0)
                raise
            usage += self._usage(prompt_tokens, count_tokens(raw, self.model))
            try:
                reply = parse_grade(raw, question)
            except ValueError as exc:
                # Re-ask with what was wrong, so the model can fix its own reply.
                messages = [*messages, AIMessage(raw[:2000]), HumanMessage(f"That reply was invalid: {exc}. Reply again with only the corrected JSON.")]
                continue
            checked = self._checked(question, parts, self._verified(question, reply, answers, notes))
            return Graded(self._judge.with_code(question, parts, checked), usage)
        raise InvalidGrade(f"the model returned unusable grades {attempt} times; last reply: {scrub(raw[:120])!r}", usage)

    def _complete_json(self, payload: list[dict[str, Any]], question: Question) -> str:
        """Structured outputs where supported, else JSON mode, else plain text; the mode that works is kept."""
        while True:
            try:
                return self._complete(payload, temperature=0, **_response_format(self._mode, question))
            except UnsupportedRequest:
                if self._mode == "plain":
                    raise
                self._mode = "json_object" if self._mode == "json_schema" else "plain"

    def _verified(self, question: Question, reply: PointGrades, answers: str, notes: list[str]) -> QuestionGrade:
        """Keep only evidence that is really in the answer; unverified claims are capped."""
        by_id = {p.point_id: p for p in reply.points}
        points: list[PointGrade] = []
        unverified = False
        for point in question.rubric:
            got = by_id[point.id]
            evidence = locate(got.evidence, answers)
            unverified = unverified or bool(got.evidence and not evidence)
            contradicted = got.contradicted and bool(evidence)
            coverage = 0.0 if contradicted else got.coverage if evidence else min(got.coverage, UNVERIFIED_CAP if got.evidence else 0.0)
            points.append(PointGrade(point_id=point.id, coverage=round(coverage, 3), evidence=evidence, contradicted=contradicted,
                                     correction=scrub(got.correction)[:300] if contradicted else ""))
        if unverified:
            notes = [*notes, "some quoted evidence was not found in the answer; those points were capped"]
        return QuestionGrade(
            question_id=question.id, score=weighted_score(question, points), points=tuple(points),
            grader=f"openai:{self.model}", notes=tuple(notes),
        )

    def _checked(self, question: Question, parts: Sequence[AnswerPart], grade: QuestionGrade) -> QuestionGrade:
        """An answer that talks to the grader keeps the lower of the model's and the offline grade when they differ widely."""
        if not any(addresses_grader(p.text) for p in parts):
            return grade
        offline = self._judge.grade(question, parts)
        if grade.score - offline.score > INJECTION_GAP:
            note = "the answer addressed the grader and the model's grade was far above the offline grade; the offline grade stands"
            return offline.model_copy(update={"notes": (*offline.notes, note)})
        return grade


def parse_grade(raw: str, question: Question) -> PointGrades:
    """The model's JSON as PointGrades covering every rubric point, or ValueError saying why not."""
    match = re.search(r"\{.*\}", raw, re.DOTALL)  # tolerate prose or code fences around the JSON
    if not match:
        raise ValueError("no JSON object in the reply")
    try:
        reply = PointGrades.model_validate(json.loads(match.group(0)))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ValueError(f"invalid grade JSON: {_first_error(exc)}") from exc
    missing = {p.id for p in question.rubric} - {p.point_id for p in reply.points}
    if missing:
        raise ValueError(f"grades missing for {', '.join(sorted(missing))}")
    return reply


def locate(evidence: str, answers: str) -> str:
    """`evidence` as it appears in the answers (allowing small differences), or '' if it does not."""
    quote = " ".join(evidence.strip().strip('"“”').split())
    if len(quote) < 3:
        return ""
    flat = " ".join(answers.split())
    at = flat.lower().find(quote.lower())
    if at >= 0:
        return flat[at : at + len(quote)]
    matcher = difflib.SequenceMatcher(None, flat.lower(), quote.lower(), autojunk=False)
    block = matcher.find_longest_match(0, len(flat), 0, len(quote))
    return flat[block.a : block.a + block.size] if block.size >= 0.8 * len(quote) else ""


def _response_format(mode: ResponseMode, question: Question) -> dict[str, Any]:
    if mode == "plain":
        return {}
    if mode == "json_object":
        return {"response_format": {"type": "json_object"}}
    return {"response_format": {"type": "json_schema", "json_schema": {"name": "rubric_grade", "strict": True, "schema": grade_schema(question)}}}


def grade_schema(question: Question) -> dict[str, Any]:
    """The JSON schema of PointGrades, made strict (every field required, no extras), ids limited to the rubric's."""
    schema = copy.deepcopy(PointGrades.model_json_schema())
    point = schema.pop("$defs")["PointGrade"]
    for prop in point["properties"].values():
        prop.pop("default", None)
        prop.pop("title", None)
    point["properties"]["point_id"]["enum"] = [p.id for p in question.rubric]
    point["required"] = list(point["properties"])
    point["additionalProperties"] = False
    schema["properties"]["points"]["items"] = point
    schema["additionalProperties"] = False
    return schema


# Words an answer uses when it talks to whoever grades it, in the languages injections come in.
_GRADER_ADDRESS = re.compile(
    r"\b(grader|grading|rubric|evaluator|assessor|examiner|marker|full marks|full score|maximum score|top score|"
    r"score (this|me|it)|mark (this|it|every|all)|ignore|disregard|instructions?|system prompt|assistant|as an ai|"
    r"json|coverage|point_id|quote this|as evidence|(every|all|each) (rubric )?(points?|criteria) (as |is |are )?(covered|satisfied|met)|"
    r"évaluat\w*|ignor(ez|er|a|e|iere|ieren)|barème|grille|note maximale|calificaci\w+|puntuaci\w+|nota m[aá]xima|"
    r"bewert\w*|punktzahl|höchst\w*|valutat\w*|punteggio|avalia\w*|pontua\w*)\b"
    r"|оцен\w*|игнор\w*|максимальн\w*|балл\w*|评分|忽略|满分|打分|採点|無視|満点|채점|무시|만점",
    re.I,
)


def addresses_grader(text: str) -> bool:
    """The answer says something to whoever grades it, or switches language mid-answer to hide it."""
    squashed = re.sub(r"(?<=\w)[\-_.·*](?=\w)", "", text)  # "g-r-a-d-e-r", "r.u.b.r.i.c"
    leet = squashed.translate(str.maketrans("013457@$", "oleastas"))
    return any(_GRADER_ADDRESS.search(t) for t in (text, squashed, leet)) or _switches_language(text)


_ENGLISH = frozenset("the a an of to in is are and or for with that this it be by on as i we you".split())


def _switches_language(text: str) -> bool:
    """A mostly English answer with a sentence of five or more words and no English function word."""
    sentences = [re.findall(r"[^\W\d_]+", s.lower()) for s in re.split(r"(?<=[.!?。！？])\s*|\n+", text)]
    sentences = [s for s in sentences if s]
    english = [any(w in _ENGLISH for w in s) for s in sentences]
    if sum(english) < max(1, len(sentences) // 2):
        return False  # the whole answer is in another language: that is an answer, not a hidden instruction
    return any(not is_en and (len(s) >= 5 or any(ord(ch) > 0x2E80 for w in s for ch in w)) for s, is_en in zip(sentences, english))


def _openai_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    from langchain_core.messages import convert_to_openai_messages

    return list(convert_to_openai_messages(list(messages)))  # type: ignore[arg-type]


def _failure(exc: Exception) -> ProviderError:
    """One exception type for every way a call can fail: refused, down, or a malformed body."""
    import httpx
    import openai

    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return ProviderRejected(f"{_describe(exc)}; check OPENAI_API_KEY and the model name")
    if isinstance(exc, (openai.APIError, httpx.HTTPError)):
        return ProviderUnavailable(_describe(exc))
    if isinstance(exc, (ValueError, KeyError, TypeError, AttributeError, IndexError)):  # a malformed body (json.JSONDecodeError is a ValueError)
        return ProviderUnavailable(f"the endpoint sent a malformed response ({type(exc).__name__})")
    raise exc


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
    return str(exc).splitlines()[0]


def chat_prompt(name: str) -> Any:
    """A chat template from prompts/NAME: the system persona, a history placeholder, then the file as the user turn."""
    from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

    system = "{system}" if name.startswith("grader") else "{persona}"
    return ChatPromptTemplate.from_messages([("system", system), MessagesPlaceholder("history", optional=True), ("human", prompt_text(name))])


def _describe(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    return scrub(f"{type(exc).__name__}{f' {status}' if status else ''}: {str(exc)[:200]}")
