using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Accounts;

namespace Dilemma.Grains.Research;

/// <summary>The research store of embedded mode: the same contract, in process memory, one lock.</summary>
public sealed class InMemoryResearchStore : IResearchStore, IHeldResearchReader
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, RoomEntry> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Room, long User), ParticipantEntry> _participants = [];
    private readonly Dictionary<(string Room, int Round, long User), ChoiceRecord> _choices = [];
    private readonly Dictionary<(string Room, int Round), ConsensusRecord> _consensus = [];
    private readonly List<(string Room, long User, string Type, DateTime At)> _recordingEvents = [];
    private readonly List<RoomEventRecord> _roomEvents = [];

    public Task<bool> TryRecordRoomAsync(RoomRecord room, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // As in MySQL: a waiting row of the same host is an unfinished creation of theirs, taken over.
            if (_rooms.TryGetValue(room.RoomCode, out var existing) && ((existing.Progress?.HostUserId ?? existing.Record.HostUserId) != room.HostUserId || existing.Status != RoomStatus.Waiting))
            {
                return Task.FromResult(false);
            }

            _rooms[room.RoomCode] = new RoomEntry(room);
            return Task.FromResult(true);
        }
    }

    public Task RecordRoomProgressAsync(RoomProgress progress, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_rooms.TryGetValue(progress.RoomCode, out var room))
            {
                room.Progress = progress;
            }

            return Task.CompletedTask;
        }
    }

    public Task RecordParticipantAsync(string roomCode, long userId, string nickname, DateTime joinedAt, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _participants[(roomCode, userId)] = new ParticipantEntry(nickname, joinedAt);
            return Task.CompletedTask;
        }
    }

    public Task RecordLeaveAsync(string roomCode, long userId, DateTime leftAt, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_participants.TryGetValue((roomCode, userId), out var participant))
            {
                participant.LeftAt = leftAt;
                participant.RoleId = null;
            }

            return Task.CompletedTask;
        }
    }

    public Task RecordRolesAsync(string roomCode, IReadOnlyList<(long UserId, int RoleId)> roles, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var ((room, user), participant) in _participants)
            {
                if (room == roomCode)
                {
                    participant.RoleId = roles.Where(r => r.UserId == user).Select(r => (int?)r.RoleId).FirstOrDefault();
                }
            }

            return Task.CompletedTask;
        }
    }

    public Task RecordChoiceAsync(ChoiceRecord choice, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _choices[(choice.RoomCode, choice.RoundNumber, choice.UserId)] = choice;
            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<ChoiceRecord>> ReadChoicesAsync(string roomCode, int roundNumber, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ChoiceRecord> choices = _choices.Values.Where(c => c.RoomCode == roomCode && c.RoundNumber == roundNumber).ToList();
            return Task.FromResult(choices);
        }
    }

    public Task RecordConsensusAsync(ConsensusRecord consensus, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _consensus.TryAdd((consensus.RoomCode, consensus.RoundNumber), consensus);
            return Task.CompletedTask;
        }
    }

    public Task RecordRecordingEventAsync(string roomCode, long userId, string eventType, DateTime occurredAt, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _recordingEvents.Add((roomCode, userId, eventType, occurredAt));
            return Task.CompletedTask;
        }
    }

    public Task RecordRoomEventAsync(RoomEventRecord roomEvent, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _roomEvents.Add(roomEvent);
            return Task.CompletedTask;
        }
    }

    /// <summary>A room's events in order, for tests.</summary>
    public IReadOnlyList<RoomEventRecord> RoomEvents(string roomCode)
    {
        lock (_lock)
        {
            return _roomEvents.Where(e => e.RoomCode == roomCode).ToList();
        }
    }

    public long CountRecordingEvents()
    {
        lock (_lock)
        {
            return _recordingEvents.Count;
        }
    }

    /// <summary>A room's recording events in order, for tests.</summary>
    public IReadOnlyList<(long UserId, string Type, DateTime At)> RecordingEvents(string roomCode)
    {
        lock (_lock)
        {
            return _recordingEvents.Where(e => e.Room == roomCode).Select(e => (e.User, e.Type, e.At)).ToList();
        }
    }

    public Task<(IReadOnlyList<RoomRow> Rooms, long Total)> ListPublicRoomsAsync(string? topic, string status, int offset, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var matching = PublicRooms(topic, status).OrderByDescending(r => r.CreatedAt).ThenBy(r => r.RoomCode, StringComparer.Ordinal).ToList();
            return Task.FromResult<(IReadOnlyList<RoomRow>, long)>((matching.Skip(offset).Take(limit).ToList(), matching.Count));
        }
    }

    public Task<IReadOnlyList<string>> FindOpenPublicRoomsAsync(string? topic, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<string> codes = PublicRooms(topic, RoomStatus.Waiting)
                .Where(r => r.ParticipantCount is > 0 and < 3)
                .OrderByDescending(r => r.ParticipantCount)
                .ThenBy(r => r.CreatedAt)
                .Take(limit)
                .Select(r => r.RoomCode)
                .ToList();
            return Task.FromResult(codes);
        }
    }

    public Task<IReadOnlyList<string>> FindWaitingRoomsAsync(DateTime createdBefore, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<string> codes = _rooms.Values
                .Where(r => r.Status == RoomStatus.Waiting && r.Record.CreatedAt < createdBefore)
                .OrderBy(r => r.Record.CreatedAt)
                .Take(limit)
                .Select(r => r.Record.RoomCode)
                .ToList();
            return Task.FromResult(codes);
        }
    }

    public Task<HeldResearchData> ReadAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(new HeldResearchData(
                [.. _participants.Where(p => p.Key.User == userId).OrderBy(p => p.Value.JoinedAt)
                    .Select(p => new HeldSeat(p.Key.Room, p.Value.Nickname, p.Value.RoleId, Utc(p.Value.JoinedAt), p.Value.LeftAt is { } left ? Utc(left) : null))],
                [.. _choices.Values.Where(c => c.UserId == userId).OrderBy(c => c.RoomCode, StringComparer.Ordinal).ThenBy(c => c.RoundNumber)
                    .Select(c => new HeldChoice(c.RoomCode, c.RoundNumber, c.Choice, c.Confidence, c.Revision, Utc(c.At)))],
                [.. _consensus.Values.Where(c => c.SubmittedBy == userId).OrderBy(c => c.RoomCode, StringComparer.Ordinal).ThenBy(c => c.RoundNumber)
                    .Select(c => new HeldConsensus(c.RoomCode, c.RoundNumber, c.Choice, c.Confidence, Utc(c.At)))],
                [.. _recordingEvents.Where(e => e.User == userId).Select(e => new HeldRecordingEvent(e.Room, e.Type, Utc(e.At)))]));
        }
    }

    /// <summary>Counts of what is recorded, for tests that hold the store to what was acknowledged.</summary>
    public (int Participants, int Choices, int Consensus) Counts(string roomCode)
    {
        lock (_lock)
        {
            return (
                _participants.Count(p => p.Key.Room == roomCode && p.Value.LeftAt is null),
                _choices.Count(c => c.Key.Room == roomCode),
                _consensus.Count(c => c.Key.Room == roomCode));
        }
    }

    /// <summary>A copy of every recorded room with its seats and decisions, for the in-memory export.</summary>
    public IReadOnlyList<RecordedRoom> SnapshotRooms()
    {
        lock (_lock)
        {
            var seats = _participants
                .Where(p => p.Value.LeftAt is null)
                .ToLookup(p => p.Key.Room, p => new RecordedSeat(p.Key.User, p.Value.Nickname, p.Value.RoleId, p.Value.JoinedAt), StringComparer.Ordinal);
            var choices = _choices.Values.ToLookup(c => c.RoomCode, StringComparer.Ordinal);
            var consensus = _consensus.Values.ToLookup(c => c.RoomCode, StringComparer.Ordinal);
            return _rooms.Values
                .Select(r => new RecordedRoom(r.Record, r.Progress, [.. seats[r.Record.RoomCode]], [.. choices[r.Record.RoomCode]], [.. consensus[r.Record.RoomCode]]))
                .ToList();
        }
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private IEnumerable<RoomRow> PublicRooms(string? topic, string status) =>
        _rooms.Values
            .Where(r => r.Record.IsPublic && r.Status == status && (topic is null || r.Record.Topic == topic))
            .Select(r => new RoomRow(
                r.Record.RoomCode,
                r.Record.Title,
                r.Record.Topic,
                r.Status,
                _participants.Count(p => p.Key.Room == r.Record.RoomCode && p.Value.LeftAt is null),
                r.Record.CreatedAt));

    private sealed class RoomEntry(RoomRecord record)
    {
        public RoomRecord Record { get; } = record;

        public RoomProgress? Progress { get; set; }

        public string Status => Progress?.Status ?? RoomStatus.Waiting;
    }

    private sealed class ParticipantEntry(string nickname, DateTime joinedAt)
    {
        public string Nickname { get; } = nickname;

        public DateTime JoinedAt { get; } = joinedAt;

        public DateTime? LeftAt { get; set; }

        public int? RoleId { get; set; }
    }
}

/// <summary>A room as the in-memory store recorded it; <see cref="Progress"/> is null until it changes phase.</summary>
public sealed record RecordedRoom(
    RoomRecord Record,
    RoomProgress? Progress,
    IReadOnlyList<RecordedSeat> Seats,
    IReadOnlyList<ChoiceRecord> Choices,
    IReadOnlyList<ConsensusRecord> Consensus);

/// <summary>A participant seated in a room.</summary>
public sealed record RecordedSeat(long UserId, string Nickname, int? RoleId, DateTime JoinedAt);
