using System.ComponentModel.DataAnnotations;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;

namespace Dilemma.Gateway.Rooms;

// Shape only: lengths and presence. Ranges (round 1–5, choice 0–3, confidence 1–5) are game
// rules and answered by the room grain, which also knows how many options a round has.

/// <summary>A room on a topic's scenario, or on the scenario named by <c>scenario_id</c> (a generated one, say); one of the two is needed.</summary>
public sealed record CreateRoomRequest(
    [property: Required, StringLength(RoomRules.TitleMaxLength)] string? Title,
    [property: StringLength(RoomRules.TopicMaxLength)] string? Topic,
    [property: StringLength(RoomRules.NicknameMaxLength)] string? Nickname,
    [property: StringLength(RoomRules.TopicMaxLength)] string? ScenarioId = null,
    string? OnDropout = null,
    int? ChoiceSeconds = null,
    int? ConsensusSeconds = null);

// The code's shape is not checked here: RoomRules.EnsureRoomCode answers it, as it does for a code in a path.
public sealed record JoinRoomRequest(
    [property: Required] string? RoomCode,
    [property: StringLength(RoomRules.NicknameMaxLength)] string? Nickname);

public sealed record QuickJoinRequest(
    [property: StringLength(RoomRules.TopicMaxLength)] string? Topic,
    [property: StringLength(RoomRules.NicknameMaxLength)] string? Nickname);

public sealed record AssignRolesRequest(IReadOnlyList<RoleAssignmentRequest>? Assignments);

public sealed record RoleAssignmentRequest([property: Required] long? UserId, [property: Required] int? RoleId);

/// <summary>
/// A choice or a consensus. <c>language</c> (optional, <c>ko</c> or <c>en</c>) is the language the page showed the round in
/// when it was sent, recorded with the decision; the original front end does not send it.
/// </summary>
public sealed record SubmitChoiceRequest(
    [property: Required] int? RoundNumber,
    [property: Required] int? Choice,
    [property: Required] int? Confidence,
    [property: StringLength(RoomRules.SubmissionIdMaxLength, MinimumLength = 1)] string? SubmissionId,
    [property: AllowedValues(null, PageLanguage.Korean, PageLanguage.English, ErrorMessage = PageLanguage.Rule)] string? Language = null);

/// <summary>A seat; <c>presence</c> is <c>present</c>, <c>reconnecting</c> (in the grace period), <c>dropped</c> or <c>removed</c>.</summary>
public sealed record ParticipantResponse(long UserId, string Nickname, int? RoleId, string? RoleName, bool IsHost, DateTimeOffset JoinedAt, string Presence, bool IsBot);

/// <summary>A seated participant named by a host action.</summary>
public sealed record ParticipantRequest([property: Required] long? UserId);

/// <summary>How many bots the host seats (1 or 2; the range is a game rule, checked by the room).</summary>
public sealed record AddBotsRequest([property: Required] int? Bots);

/// <summary>A bot's choice in a round, shown to everyone in the room, with the model's one-sentence reason (null when the seeded rule chose; <c>fallback_reason</c> says why when a model was configured).</summary>
public sealed record BotChoiceResponse(int RoundNumber, long UserId, int Choice, int Confidence, string? Reason, string Provider, string? FallbackReason);

public sealed record ConsensusResponse(int RoundNumber, int Choice, int Confidence, long SubmittedBy, DateTimeOffset RecordedAt);

/// <summary>
/// A room as its members see it; <c>chosen_this_round</c> names who has chosen, never what (a bot that took over a seat
/// whose player had chosen in the round is named too: the role has its choice, and the bot makes none). <c>paused</c> is true while
/// anything holds the game (a dropout the room waits for, or its session's facilitator), <c>facilitator_paused</c> while
/// the facilitator does, and <c>paused_at</c> says since when the clock has stood still (the time left is
/// <c>deadline_at</c> less it). <c>session_code</c> names the class session that opened the room (null for a room players made).
/// <c>choices_closed</c> is true once the open round's choice deadline has passed: a page opened after it offers no choice.
/// </summary>
public sealed record RoomResponse(
    string RoomCode,
    string Title,
    string Topic,
    bool IsPublic,
    string Phase,
    long HostUserId,
    int CurrentRound,
    int ParticipantCount,
    IReadOnlyList<ParticipantResponse> Participants,
    IReadOnlyList<long> ChosenThisRound,
    IReadOnlyList<ConsensusResponse> Consensus,
    string ScenarioId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int Version,
    string OnDropout,
    bool Paused,
    bool FacilitatorPaused,
    DateTimeOffset? PausedAt,
    DateTimeOffset? EndedEarlyAt,
    long? EndedEarlyBy,
    int? ChoiceSeconds,
    int? ConsensusSeconds,
    string? DeadlineKind,
    DateTimeOffset? DeadlineAt,
    IReadOnlyList<BotChoiceResponse> BotChoices,
    Scenario? Scenario,
    string? SessionCode = null,
    bool ChoicesClosed = false);

/// <summary>The caller's seat, with the room around it.</summary>
public sealed record JoinResponse(string RoomCode, long UserId, string Nickname, int? RoleId, bool IsHost, RoomResponse Room);

public sealed record SubmissionResponse(
    string RoomCode,
    long UserId,
    int RoundNumber,
    int Choice,
    int Confidence,
    int Revision,
    DateTimeOffset RecordedAt,
    string Phase,
    int CurrentRound,
    string? SubmissionId,
    bool Replayed);

/// <summary>A public waiting room as anyone may see it: in the listing, and from GET /rooms/{room_code} to those who do not belong to it.</summary>
public sealed record RoomListingResponse(string RoomCode, string Title, string Topic, int ParticipantCount, string Phase, DateTimeOffset CreatedAt);

public sealed record RoomPageResponse(IReadOnlyList<RoomListingResponse> Items, int Page, int PageSize, long Total);

/// <summary>Wire shapes of the room types, with phases and roles spelled as the contract spells them.</summary>
public static class RoomMapping
{
    public static RoomResponse ToResponse(this RoomSnapshot room, Scenario? scenario = null) => new(
        room.Code,
        room.Title,
        room.Topic,
        room.IsPublic,
        RoomPhases.Word(room.Phase),
        room.HostUserId,
        room.CurrentRound,
        room.Participants.Count,
        room.Participants.Select(p => new ParticipantResponse(p.UserId, p.Nickname, p.RoleId, p.RoleId is { } role ? RoomRules.RoleName(role) : null, p.IsHost, p.JoinedAt, p.Presence, p.IsBot)).ToList(),
        room.ChosenThisRound,
        room.Consensus.Select(c => new ConsensusResponse(c.RoundNumber, c.Choice, c.Confidence, c.SubmittedBy, c.RecordedAt)).ToList(),
        room.ScenarioId,
        room.CreatedAt,
        room.StartedAt,
        room.FinishedAt,
        room.Version,
        room.OnDropout,
        room.Paused,
        room.FacilitatorPaused,
        room.PausedAt,
        room.EndedEarlyAt,
        room.EndedEarlyBy,
        room.ChoiceSeconds,
        room.ConsensusSeconds,
        room.DeadlineKind,
        room.DeadlineAt,
        (room.BotChoices ?? []).Select(b => new BotChoiceResponse(b.RoundNumber, b.UserId, b.Choice, b.Confidence, b.Reason, b.Provider, b.FallbackReason)).ToList(),
        scenario,
        room.SessionCode,
        room.ChoicesClosed);

    public static RoomListingResponse ToResponse(this RoomListing room) =>
        new(room.Code, room.Title, room.Topic, room.ParticipantCount, RoomPhases.Word(room.Phase), room.CreatedAt);

    public static JoinResponse ToJoinResponse(this RoomSnapshot room, long userId)
    {
        var seat = room.Participants.Single(p => p.UserId == userId);
        return new JoinResponse(room.Code, seat.UserId, seat.Nickname, seat.RoleId, seat.IsHost, room.ToResponse());
    }

    public static SubmissionResponse ToResponse(this SubmissionReceipt receipt) => new(
        receipt.RoomCode,
        receipt.UserId,
        receipt.RoundNumber,
        receipt.Choice,
        receipt.Confidence,
        receipt.Revision,
        receipt.RecordedAt,
        RoomPhases.Word(receipt.Phase),
        receipt.CurrentRound,
        receipt.SubmissionId,
        receipt.Replayed);
}

/// <summary>A participant's withdrawal code for a finished game (see <c>POST /research/withdrawals</c>).</summary>
public sealed record WithdrawalCodeResponse(string WithdrawalCode);
