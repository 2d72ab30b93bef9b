from protos.credit.v1 import scoring_pb2 as _scoring_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Contribution(_message.Message):
    __slots__ = ("feature", "value", "missing", "shap", "family")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    SHAP_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    feature: str
    value: float
    missing: bool
    shap: float
    family: str
    def __init__(self, feature: _Optional[str] = ..., value: _Optional[float] = ..., missing: _Optional[bool] = ..., shap: _Optional[float] = ..., family: _Optional[str] = ...) -> None: ...

class FamilyImpact(_message.Message):
    __slots__ = ("family", "impact", "features")
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    IMPACT_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    family: str
    impact: float
    features: int
    def __init__(self, family: _Optional[str] = ..., impact: _Optional[float] = ..., features: _Optional[int] = ...) -> None: ...

class ExplainResponse(_message.Message):
    __slots__ = ("request_id", "client_id", "base_value", "raw_score", "probability", "decision", "threshold", "model", "contributions", "omitted_shap", "omitted", "families", "policy_reasons", "policy_version")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    BASE_VALUE_FIELD_NUMBER: _ClassVar[int]
    RAW_SCORE_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTIONS_FIELD_NUMBER: _ClassVar[int]
    OMITTED_SHAP_FIELD_NUMBER: _ClassVar[int]
    OMITTED_FIELD_NUMBER: _ClassVar[int]
    FAMILIES_FIELD_NUMBER: _ClassVar[int]
    POLICY_REASONS_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    client_id: int
    base_value: float
    raw_score: float
    probability: float
    decision: _scoring_pb2.Decision
    threshold: float
    model: _scoring_pb2.ModelRef
    contributions: _containers.RepeatedCompositeFieldContainer[Contribution]
    omitted_shap: float
    omitted: int
    families: _containers.RepeatedCompositeFieldContainer[FamilyImpact]
    policy_reasons: _containers.RepeatedCompositeFieldContainer[_scoring_pb2.PolicyReason]
    policy_version: str
    def __init__(self, request_id: _Optional[str] = ..., client_id: _Optional[int] = ..., base_value: _Optional[float] = ..., raw_score: _Optional[float] = ..., probability: _Optional[float] = ..., decision: _Optional[_Union[_scoring_pb2.Decision, str]] = ..., threshold: _Optional[float] = ..., model: _Optional[_Union[_scoring_pb2.ModelRef, _Mapping]] = ..., contributions: _Optional[_Iterable[_Union[Contribution, _Mapping]]] = ..., omitted_shap: _Optional[float] = ..., omitted: _Optional[int] = ..., families: _Optional[_Iterable[_Union[FamilyImpact, _Mapping]]] = ..., policy_reasons: _Optional[_Iterable[_Union[_scoring_pb2.PolicyReason, _Mapping]]] = ..., policy_version: _Optional[str] = ...) -> None: ...

class ExplainBatchResponse(_message.Message):
    __slots__ = ("responses",)
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    responses: _containers.RepeatedCompositeFieldContainer[ExplainResponse]
    def __init__(self, responses: _Optional[_Iterable[_Union[ExplainResponse, _Mapping]]] = ...) -> None: ...
