using System.ComponentModel.DataAnnotations;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;

namespace Dilemma.Gateway.Sessions;

// Shapes only: lengths and types. Which values are allowed (topic, language, policies) is the session grain's rule.
public sealed record CreateSessionRequest(
    [property: Required, StringLength(SessionRules.TitleMaxLength)] string? Title,
    [property: StringLength(RoomRules.TopicMaxLength)] string? Topic = null,
    [property: StringLength(RoomRules.TopicMaxLength)] string? ScenarioId = null,
    [property: StringLength(8)] string? Language = null,
    int? ChoiceSeconds = null,
    int? ConsensusSeconds = null,
    [property: StringLength(16)] string? OnDropout = null,
    [property: StringLength(16)] string? Voice = null,
    bool? BotsAllowed = null,
    [property: StringLength(SessionRules.StudyLabelMaxLength)] string? StudyLabel = null,
    [property: StringLength(32)] string? ConsentVersion = null,
    [property: StringLength(16)] string? RemainderRule = null);

public sealed record EnrolRequest(
    [property: StringLength(RoomRules.NicknameMaxLength)] string? Nickname = null,
    [property: StringLength(32)] string? ConsentVersion = null,
    bool? VoiceConsent = null,
    [property: StringLength(SessionRules.AttributeMaxLength)] string? Attribute = null);

public sealed record StartSessionRequest(bool? BalanceByAttribute = null);

public sealed record FacilitatorActionRequest([property: StringLength(FacilitatorActionKind.ReasonMaxLength)] string? Reason = null);

public sealed record ParticipantActionRequest(
    [property: Required] long? UserId,
    [property: StringLength(FacilitatorActionKind.ReasonMaxLength)] string? Reason = null);

public sealed record ExtendDeadlineRequest(
    [property: Required] int? Seconds,
    [property: StringLength(FacilitatorActionKind.ReasonMaxLength)] string? Reason = null);

// message: required here; its length (1-280 after trimming) is the session grain's rule, so a too long one is named as a short one is.
public sealed record BroadcastRequest(
    [property: Required(AllowEmptyStrings = true)] string? Message,
    [property: StringLength(FacilitatorActionKind.ReasonMaxLength)] string? Reason = null);

public sealed record MoveParticipantRequest(
    [property: Required] long? UserId,
    [property: Required] string? ToRoomCode,
    [property: StringLength(FacilitatorActionKind.ReasonMaxLength)] string? Reason = null);

public sealed record FacilitatorActionResponse(long ActorId, string Action, string? RoomCode, long? UserId, string? Reason, DateTimeOffset OccurredAt, string? Message, string? ToRoomCode);

public sealed record SessionResponse(
    string SessionCode,
    string JoinLink,
    string QrSvgPath,
    long FacilitatorId,
    string Title,
    string Topic,
    string? ScenarioId,
    string Language,
    int? ChoiceSeconds,
    int? ConsensusSeconds,
    string OnDropout,
    string Voice,
    bool BotsAllowed,
    string? StudyLabel,
    string ConsentVersion,
    string RemainderRule,
    SessionStatus Status,
    IReadOnlyList<long> Pool,
    IReadOnlyList<SessionRoomResponse> Rooms,
    SessionRemainderResponse? Remainder,
    string? WaitingRoom,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    IReadOnlyList<SessionPoolMemberResponse> PoolMembers);

/// <summary>Who is in the pool, in the order they enrolled: <c>pool</c> gives only the ids, which a facilitator cannot read.</summary>
public sealed record SessionPoolMemberResponse(long UserId, string? Nickname, DateTimeOffset EnrolledAt);

public sealed record SessionRoomResponse(string RoomCode, IReadOnlyList<long> UserIds, int Bots, bool Started);

public sealed record SessionRemainderResponse(string Rule, IReadOnlyList<long> UserIds, string Outcome, IReadOnlyList<string> RoomCodes);

public sealed record SeatResponse(string SessionCode, long UserId, SessionStatus Status, string? RoomCode);

public static class SessionMapping
{
    public static SessionResponse ToResponse(this SessionView view, string joinLink) => new(
        view.Code,
        joinLink,
        $"/sessions/{view.Code}/qr.svg",
        view.FacilitatorId,
        view.Title,
        view.Topic,
        view.ScenarioId,
        view.Language,
        view.ChoiceSeconds,
        view.ConsensusSeconds,
        view.OnDropout,
        view.Voice,
        view.BotsAllowed,
        view.StudyLabel,
        view.ConsentVersion,
        view.RemainderRule,
        view.Status,
        view.Pool,
        view.Rooms.Select(r => new SessionRoomResponse(r.RoomCode, r.UserIds, r.Bots, r.Started)).ToList(),
        view.Remainder is { } r ? new SessionRemainderResponse(r.Rule, r.UserIds, r.Outcome, r.RoomCodes) : null,
        view.WaitingRoom,
        view.CreatedAt,
        view.StartedAt,
        view.PoolMembers.Select(m => new SessionPoolMemberResponse(m.UserId, m.Nickname, m.EnrolledAt)).ToList());

    public static FacilitatorActionResponse ToResponse(this FacilitatorActionEntry entry) =>
        new(entry.ActorId, entry.Action, entry.RoomCode, entry.UserId, entry.Reason, entry.OccurredAt, entry.Message, entry.ToRoomCode);

    public static SeatResponse ToResponse(this SessionSeat seat) => new(seat.SessionCode, seat.UserId, seat.Status, seat.RoomCode);
}
