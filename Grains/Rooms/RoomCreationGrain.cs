using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Dilemma.Grains.Storage;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// A user's room openings and quick joins under an <c>Idempotency-Key</c>. The room is the unit of
/// consistency, so the room keeps the answer (with the change); this grain only remembers which room
/// it asked, and writes that down before asking. A retry therefore asks the same room with the same
/// key, and either gets the kept answer or finishes what the first attempt did not: never a second room.
/// Non-reentrant: duplicates sent at once run one after the other, the second finding the first's answer.
/// </summary>
public sealed class RoomCreationGrain(
    [PersistentState("room-creation", StorageNames.Game)] IPersistentState<RoomCreationState> state,
    IResearchStore research) : Grain, IRoomCreationGrain
{
    private long UserId => this.GetPrimaryKeyLong();

    public async Task<RoomSnapshot> CreateRoomAsync(RoomCreation creation, string idempotencyKey, CancellationToken cancellationToken)
    {
        var request = creation with { CreatorId = UserId };
        var entry = EntryFor(idempotencyKey, new { kind = "create", request });
        return await ResumeAsync(entry, cancellationToken) ?? await OpenAsync(entry, request, cancellationToken);
    }

    public async Task<RoomSnapshot> QuickJoinAsync(string? nickname, string? topic, string idempotencyKey, CancellationToken cancellationToken)
    {
        var entry = EntryFor(idempotencyKey, new { kind = "quick-join", nickname, topic });
        return await ResumeAsync(entry, cancellationToken)
            ?? await RoomOpening.JoinOpenRoomAsync(research, topic, code => AskAsync(entry, code, new RoomCommand(RoomCommandKind.QuickJoin, UserId, nickname), cancellationToken), cancellationToken)
            ?? await OpenAsync(entry, await RoomOpening.QuickJoinRoomAsync(GrainFactory, UserId, nickname, topic), cancellationToken);
    }

    /// <summary>The kept entry for the key (refused when it was used for another request), or a new one, kept once a room is asked.</summary>
    private RoomCreationEntry EntryFor<T>(string key, T request)
    {
        var fingerprint = Idempotency.Fingerprint(request);
        var entry = state.State.Entries.Find(e => e.Key == key);
        if (entry is null)
        {
            return new RoomCreationEntry { Key = key, Fingerprint = fingerprint };
        }

        return entry.Fingerprint == fingerprint ? entry : throw Idempotency.Reused();
    }

    /// <summary>
    /// Asks the room the key last went to, with the same command: its kept answer if it committed,
    /// else it runs now. Null when that room refused (its code was taken, its seats went): the
    /// first attempt changed nothing there, so the request starts over.
    /// </summary>
    private async Task<RoomSnapshot?> ResumeAsync(RoomCreationEntry entry, CancellationToken cancellationToken)
    {
        if (entry is not { Code: { } code, Command: { } command })
        {
            return null;
        }

        try
        {
            return await GrainFactory.GetGrain<IRoomGame>(code).RunOnceAsync(command, entry.Key, cancellationToken);
        }
        catch (RuleViolationException e) when (command.Kind == RoomCommandKind.Create ? e.Code == "room_exists" : RoomOpening.IsSeatGone(e))
        {
            return null;
        }
    }

    private Task<RoomSnapshot> OpenAsync(RoomCreationEntry entry, RoomCreation creation, CancellationToken cancellationToken) =>
        RoomOpening.UnderFreeCodeAsync(code => AskAsync(entry, code, new RoomCommand(RoomCommandKind.Create, UserId, Creation: creation), cancellationToken));

    private async Task<RoomSnapshot> AskAsync(RoomCreationEntry entry, string code, RoomCommand command, CancellationToken cancellationToken)
    {
        // Written before the room is asked: should the room commit and its answer be lost, the
        // retry must find this room, not draw another code (which left a second room, listed forever).
        entry.Code = code;
        entry.Command = command;
        if (!state.State.Entries.Contains(entry))
        {
            state.State.Entries.Add(entry);
            Idempotency.Trim(state.State.Entries, IdempotencyKeys.KeptPerUser);
        }

        await state.WriteStateAsync(cancellationToken);
        try
        {
            return await GrainFactory.GetGrain<IRoomGame>(code).RunOnceAsync(command, entry.Key, cancellationToken);
        }
        catch (RuleViolationException e) when (e.Code != "room_exists")
        {
            // Refused (a 4xx: a bad topic, a full room): nothing was done, so the key is not kept and the same key with a
            // corrected request is a new request. A taken code is not a refusal; another is drawn under the same entry.
            state.State.Entries.Remove(entry);
            await state.WriteStateAsync(cancellationToken);
            throw;
        }
    }
}

/// <summary>A user's recent keyed room openings (storage name <c>room-creation</c>), oldest first.</summary>
[GenerateSerializer]
public sealed class RoomCreationState
{
    [Id(0)]
    public List<RoomCreationEntry> Entries { get; set; } = [];
}

[GenerateSerializer]
public sealed class RoomCreationEntry
{
    [Id(0)]
    public string Key { get; set; } = string.Empty;

    /// <summary>SHA-256 of the request the key was first used for.</summary>
    [Id(1)]
    public string Fingerprint { get; set; } = string.Empty;

    /// <summary>The room last asked under this key.</summary>
    [Id(2)]
    public string? Code { get; set; }

    /// <summary>What that room was asked, sent again as is on a retry (a quick join's drawn topic included).</summary>
    [Id(3)]
    public RoomCommand? Command { get; set; }
}
