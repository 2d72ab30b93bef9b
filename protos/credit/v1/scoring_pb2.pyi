from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Decision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_UNSPECIFIED: _ClassVar[Decision]
    DECISION_GRANTED: _ClassVar[Decision]
    DECISION_REFUSED: _ClassVar[Decision]
    DECISION_REFERRED: _ClassVar[Decision]
DECISION_UNSPECIFIED: Decision
DECISION_GRANTED: Decision
DECISION_REFUSED: Decision
DECISION_REFERRED: Decision

class PolicyReason(_message.Message):
    __slots__ = ("rule", "outcome", "value", "bound", "fields")
    RULE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    BOUND_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    rule: str
    outcome: Decision
    value: float
    bound: float
    fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, rule: _Optional[str] = ..., outcome: _Optional[_Union[Decision, str]] = ..., value: _Optional[float] = ..., bound: _Optional[float] = ..., fields: _Optional[_Iterable[str]] = ...) -> None: ...

class FeatureVector(_message.Message):
    __slots__ = ("values",)
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.MessageMap[str, _struct_pb2.Value]
    def __init__(self, values: _Optional[_Mapping[str, _struct_pb2.Value]] = ...) -> None: ...

class FeatureRow(_message.Message):
    __slots__ = ("values", "feature_service", "model_version")
    VALUES_FIELD_NUMBER: _ClassVar[int]
    FEATURE_SERVICE_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    feature_service: str
    model_version: str
    def __init__(self, values: _Optional[_Iterable[float]] = ..., feature_service: _Optional[str] = ..., model_version: _Optional[str] = ...) -> None: ...

class ScoreRequest(_message.Message):
    __slots__ = ("request_id", "client_id", "features", "row", "top_each_way")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    ROW_FIELD_NUMBER: _ClassVar[int]
    TOP_EACH_WAY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    client_id: int
    features: FeatureVector
    row: FeatureRow
    top_each_way: int
    def __init__(self, request_id: _Optional[str] = ..., client_id: _Optional[int] = ..., features: _Optional[_Union[FeatureVector, _Mapping]] = ..., row: _Optional[_Union[FeatureRow, _Mapping]] = ..., top_each_way: _Optional[int] = ...) -> None: ...

class ModelRef(_message.Message):
    __slots__ = ("name", "version", "feature_service")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FEATURE_SERVICE_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    feature_service: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., feature_service: _Optional[str] = ...) -> None: ...

class ScoreResponse(_message.Message):
    __slots__ = ("request_id", "client_id", "probability", "decision", "threshold", "model", "policy_reasons", "policy_version")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    POLICY_REASONS_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    client_id: int
    probability: float
    decision: Decision
    threshold: float
    model: ModelRef
    policy_reasons: _containers.RepeatedCompositeFieldContainer[PolicyReason]
    policy_version: str
    def __init__(self, request_id: _Optional[str] = ..., client_id: _Optional[int] = ..., probability: _Optional[float] = ..., decision: _Optional[_Union[Decision, str]] = ..., threshold: _Optional[float] = ..., model: _Optional[_Union[ModelRef, _Mapping]] = ..., policy_reasons: _Optional[_Iterable[_Union[PolicyReason, _Mapping]]] = ..., policy_version: _Optional[str] = ...) -> None: ...

class ScoreBatchRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[ScoreRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[ScoreRequest, _Mapping]]] = ...) -> None: ...

class ScoreBatchResponse(_message.Message):
    __slots__ = ("responses",)
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    responses: _containers.RepeatedCompositeFieldContainer[ScoreResponse]
    def __init__(self, responses: _Optional[_Iterable[_Union[ScoreResponse, _Mapping]]] = ...) -> None: ...

class ModelInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ModelInfoResponse(_message.Message):
    __slots__ = ("model", "threshold", "cost_false_negative", "cost_false_positive", "features", "trees", "leaves", "loaded_at", "model_uri", "lending_policy")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    COST_FALSE_NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    COST_FALSE_POSITIVE_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    TREES_FIELD_NUMBER: _ClassVar[int]
    LEAVES_FIELD_NUMBER: _ClassVar[int]
    LOADED_AT_FIELD_NUMBER: _ClassVar[int]
    MODEL_URI_FIELD_NUMBER: _ClassVar[int]
    LENDING_POLICY_FIELD_NUMBER: _ClassVar[int]
    model: ModelRef
    threshold: float
    cost_false_negative: float
    cost_false_positive: float
    features: _containers.RepeatedScalarFieldContainer[str]
    trees: int
    leaves: int
    loaded_at: str
    model_uri: str
    lending_policy: str
    def __init__(self, model: _Optional[_Union[ModelRef, _Mapping]] = ..., threshold: _Optional[float] = ..., cost_false_negative: _Optional[float] = ..., cost_false_positive: _Optional[float] = ..., features: _Optional[_Iterable[str]] = ..., trees: _Optional[int] = ..., leaves: _Optional[int] = ..., loaded_at: _Optional[str] = ..., model_uri: _Optional[str] = ..., lending_policy: _Optional[str] = ...) -> None: ...
