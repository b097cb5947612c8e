"""Any OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM, llama.cpp, LM Studio) by base URL."""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError

from interviewer.config import Settings
from interviewer.corpus import Question
from interviewer.grading import AnswerPart, PointGrade, QuestionGrade, scorable_text, weighted_score
from interviewer.prompts import persona, prompt_text, render
from interviewer.providers import Exchange, FollowUpContext, ProviderError, ProviderUnavailable, QuestionSummary
from interviewer.providers.offline import OfflineProvider
from interviewer.tokens import Usage, cost_usd, count_messages, count_tokens, truncate_tokens

if TYPE_CHECKING:
    import openai
    from langchain_core.messages import BaseMessage

ResponseMode = Literal["json_schema", "json_object", "plain"]
ANSWER_TOKENS = 1000  # per candidate message inside a prompt
HISTORY_MESSAGE_TOKENS = 200
REFERENCE_TOKENS = 600
UNVERIFIED_CAP = 0.5  # coverage allowed when the quoted evidence is not in the answer
LOCAL_KEY = "not-needed"  # local servers (Ollama, vLLM, llama.cpp) accept any key


class UnsupportedRequest(ProviderError):
    """The endpoint rejected the request itself (HTTP 400), e.g. a response format it lacks."""


class PointReply(BaseModel):
    point_id: str
    coverage: float = Field(ge=0.0, le=1.0)
    evidence: str = ""


class GradeReply(BaseModel):
    """The JSON an LLM grader must return."""

    points: list[PointReply]


def as_data(text: str) -> str:
    """Candidate text with our delimiters defused, so it cannot close the data block."""
    return text.replace("<<<", "‹‹‹").replace(">>>", "›››")


class OpenAIProvider:
    """Follow-ups and grades from a chat-completions endpoint; the key comes from the environment only."""

    name = "openai"

    def __init__(self, settings: Settings, offline: OfflineProvider) -> None:
        import openai

        self.settings = settings
        self.model = settings.model
        self._offline = offline
        self._mode: ResponseMode = "json_schema"
        self._usage = Usage()
        self._client = openai.OpenAI(
            api_key=os.environ.get("OPENAI_API_KEY") or LOCAL_KEY,
            base_url=settings.base_url or os.environ.get("OPENAI_BASE_URL") or None,
            timeout=settings.timeout_s,
            max_retries=settings.max_retries,  # the client backs off and honours Retry-After
        )

    def drain_usage(self) -> Usage:
        usage, self._usage = self._usage, Usage()
        return usage

    # -- follow-ups --------------------------------------------------------------------------

    def follow_up_messages(self, context: FollowUpContext) -> list[BaseMessage]:
        """System persona, the bounded conversation window, then the follow-up instructions."""
        from langchain_core.messages import HumanMessage, SystemMessage

        q, grade = context.question, context.assessment
        status = "\n".join(f"- {p.id} (weight {p.weight:g}, coverage {grade.coverage(p.id):.2f}): {p.point}" for p in q.rubric)
        uncovered = sorted((p for p in q.rubric if grade.coverage(p.id) < 0.5), key=lambda p: -p.weight)
        instructions = render(
            prompt_text("follow_up.md"),
            round=context.round,
            question=q.question,
            reference_answer=truncate_tokens(q.reference_answer, REFERENCE_TOKENS, self.model),
            rubric_status=status,
            uncovered=", ".join(p.id for p in uncovered) or "none: go one level deeper",
            depth=context.plan.depth,
            suggested=context.plan.ask or "none",
            related="; ".join(r.title for r in context.related) or "none",
            answer=as_data(truncate_tokens(context.answer, ANSWER_TOKENS, self.model)),
        )
        system = SystemMessage(persona(context.round))
        final = HumanMessage(instructions)
        history: list[BaseMessage] = [self._history_message(e) for e in context.history[:-1]]
        omitted = HumanMessage("(earlier turns omitted)")
        # Oldest turns go first; the question, rubric and latest answer always stay.
        while history and self._prompt_tokens([system, omitted, *history, final]) > self.settings.prompt_token_budget:
            history.pop(0)
        if len(history) < len(context.history) - 1:
            history.insert(0, omitted)
        return [system, *history, final]

    def _history_message(self, exchange: Exchange) -> BaseMessage:
        from langchain_core.messages import AIMessage, HumanMessage

        text = truncate_tokens(exchange.text, HISTORY_MESSAGE_TOKENS, self.model)
        if exchange.role == "interviewer":
            return AIMessage(text)
        return HumanMessage(f"<<<CANDIDATE\n{as_data(text)}\nCANDIDATE>>>")

    def _prompt_tokens(self, messages: Sequence[BaseMessage]) -> int:
        return count_messages([(m.type, str(m.content)) for m in messages], self.model)

    def stream_follow_up(self, context: FollowUpContext) -> Iterator[str]:
        messages = self.follow_up_messages(context)
        payload = _openai_messages(messages)
        prompt_tokens = self._prompt_tokens(messages)
        sent: list[str] = []
        for attempt in range(self.settings.max_retries + 1):
            self._record(prompt_tokens, 0)
            try:
                if not sent:
                    for piece in self._stream(payload):
                        sent.append(piece)
                        yield piece
                else:  # the stream dropped mid-reply: finish it in one request
                    text = self._complete(payload)
                    already = "".join(sent)
                    rest = text[len(already) :] if text.startswith(already) else f"\n(Let me rephrase.) {text}"
                    sent.append(rest)
                    yield rest
                break
            except ProviderUnavailable:
                if attempt == self.settings.max_retries:
                    raise
        self._record(0, count_tokens("".join(sent), self.model))

    def _record(self, prompt_tokens: int, completion_tokens: int) -> None:
        usage = Usage(prompt_tokens, completion_tokens, 1 if prompt_tokens else 0)
        self._usage += Usage(usage.prompt_tokens, usage.completion_tokens, usage.calls, cost_usd(self.model, usage))

    def _stream(self, payload: list[dict[str, Any]]) -> Iterator[str]:
        import httpx
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
        except (openai.APIError, httpx.HTTPError) as exc:  # includes a stream that drops half-way
            raise ProviderUnavailable(_describe(exc)) from exc

    def _complete(self, payload: list[dict[str, Any]], **extra: Any) -> str:
        import httpx
        import openai

        try:
            response = self._client.chat.completions.create(model=self.model, messages=payload, **extra)  # type: ignore[arg-type]
        except openai.BadRequestError as exc:
            raise UnsupportedRequest(_describe(exc)) from exc
        except (openai.APIError, httpx.HTTPError) as exc:
            raise ProviderUnavailable(_describe(exc)) from exc
        if not response.choices:
            return ""
        return response.choices[0].message.content or ""

    def feedback(self, round_name: str, results: Sequence[QuestionSummary]) -> str:
        from langchain_core.messages import HumanMessage, SystemMessage

        text = render(prompt_text("report.md"), round=round_name, results="\n".join(r.as_text() for r in results))
        messages = [SystemMessage(persona(round_name)), HumanMessage(text)]
        reply = self._complete(_openai_messages(messages), temperature=0.3).strip()
        self._record(self._prompt_tokens(messages), count_tokens(reply, self.model))
        if not reply:
            raise ProviderError("the model returned empty feedback")
        return reply

    # -- grading -----------------------------------------------------------------------------

    def grade_messages(self, question: Question, parts: Sequence[AnswerPart]) -> tuple[list[BaseMessage], list[str]]:
        """Grader prompt with injection-stripped, delimited answers; also the notes from stripping."""
        from langchain_core.messages import HumanMessage, SystemMessage

        notes: list[str] = []
        blocks: list[str] = []
        for i, part in enumerate(parts):
            text, part_notes = scorable_text(part.text)
            notes.extend(n for n in part_notes if n not in notes)
            label = "Main answer" if i == 0 else f"Answer to a follow-up (can raise only: {', '.join(part.probes or ('any point',))})"
            blocks.append(f"{label}:\n{as_data(truncate_tokens(text, ANSWER_TOKENS, self.model))}")
        rubric = "\n".join(f"- {p.id} (weight {p.weight:g}): {p.point}" for p in question.rubric)
        user = render(
            prompt_text("grader_user.md"),
            question=question.question,
            reference_answer=truncate_tokens(question.reference_answer, REFERENCE_TOKENS, self.model),
            rubric=rubric,
            answers="\n\n".join(blocks) or "(no answer)",
        )
        return [SystemMessage(prompt_text("grader_system.md")), HumanMessage(user)], notes

    def grade(self, question: Question, parts: Sequence[AnswerPart]) -> QuestionGrade:
        if not parts:
            return self._offline.grade(question, parts)
        messages, notes = self.grade_messages(question, parts)
        payload = _openai_messages(messages)
        prompt_tokens = self._prompt_tokens(messages)
        answers = "\n".join(scorable_text(p.text)[0] for p in parts)
        problems: list[str] = []
        for _ in range(self.settings.max_retries + 1):
            raw = self._complete_json(payload, question)
            self._record(prompt_tokens, count_tokens(raw, self.model))
            try:
                reply = parse_grade(raw, question)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            return self._verified(question, reply, answers, notes)
        raise ProviderError(f"the model returned unusable grades {len(problems)} times ({problems[-1]})")

    def _complete_json(self, payload: list[dict[str, Any]], question: Question) -> str:
        """Structured outputs where supported, else JSON mode, else plain text; the mode that works is kept."""
        while True:
            try:
                return self._complete(payload, temperature=0, **_response_format(self._mode, question))
            except UnsupportedRequest:
                if self._mode == "plain":
                    raise
                self._mode = "json_object" if self._mode == "json_schema" else "plain"

    def _verified(self, question: Question, reply: GradeReply, answers: str, notes: list[str]) -> QuestionGrade:
        """Keep only evidence that is really in the answer; unverified claims are capped."""
        by_id = {p.point_id: p for p in reply.points}
        points: list[PointGrade] = []
        for point in question.rubric:
            got = by_id[point.id]
            evidence = locate(got.evidence, answers)
            coverage = got.coverage if evidence else min(got.coverage, UNVERIFIED_CAP if got.evidence else 0.0)
            points.append(PointGrade(point_id=point.id, coverage=round(coverage, 3), evidence=evidence))
        if any(by_id[p.id].evidence and not pg.evidence for p, pg in zip(question.rubric, points)):
            notes = [*notes, "some quoted evidence was not found in the answer; those points were capped"]
        by_point = {p.point_id: p.coverage for p in points}
        return QuestionGrade(
            question_id=question.id, score=weighted_score(question, by_point), points=tuple(points),
            grader=f"openai:{self.model}", notes=tuple(notes),
        )


def parse_grade(raw: str, question: Question) -> GradeReply:
    """The model's JSON as a GradeReply covering every rubric point, or ValueError saying why not."""
    match = re.search(r"\{.*\}", raw, re.DOTALL)  # tolerate prose or code fences around the JSON
    if not match:
        raise ValueError("no JSON object in the reply")
    try:
        reply = GradeReply.model_validate(json.loads(match.group(0)))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ValueError(f"invalid grade JSON: {str(exc).splitlines()[0]}") from exc
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
    point = {
        "type": "object",
        "properties": {
            "point_id": {"type": "string", "enum": [p.id for p in question.rubric]},
            "coverage": {"type": "number"},
            "evidence": {"type": "string"},
        },
        "required": ["point_id", "coverage", "evidence"],
        "additionalProperties": False,
    }
    schema = {"type": "object", "properties": {"points": {"type": "array", "items": point}}, "required": ["points"], "additionalProperties": False}
    return {"response_format": {"type": "json_schema", "json_schema": {"name": "rubric_grade", "strict": True, "schema": schema}}}


def _openai_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    from langchain_core.messages import convert_to_openai_messages

    return list(convert_to_openai_messages(list(messages)))  # type: ignore[arg-type]


def _describe(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    return f"{type(exc).__name__}{f' {status}' if status else ''}: {str(exc)[:200]}"
