using Dilemma.Grains.Accounts;
using Dilemma.Grains.Collections;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Grains.Research;

/// <summary>
/// The research store of embedded mode: the same contract, in process memory, one lock. The facilitator actions are
/// the audit's store; withdrawal, retention and the held data reach them from here, as MySQL's reach the table in the
/// same transaction. Lock order: this store's, then the audit's (which never calls back), so the two cannot deadlock.
/// Whether a user is a bot is the accounts' to say, as <c>users.is_bot</c> is in MySQL; they are asked outside this lock.
/// </summary>
public sealed class InMemoryResearchStore(InMemoryFacilitatorActionStore facilitatorActions, InMemoryAccountStore accounts) : IResearchStore, IHeldResearchReader, IResearchEraser
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, RoomEntry> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Room, long User), ParticipantEntry> _participants = [];
    private readonly Dictionary<(string Room, int Round, long User), ChoiceRecord> _choices = [];

    // round_choice_submissions: every revision, keyed as its unique key is.
    private readonly Dictionary<(string Room, int Round, long User, int Revision), ChoiceRecord> _submissions = [];
    private readonly Dictionary<(string Room, int Round), ConsensusRecord> _consensus = [];
    private readonly List<(string Room, long User, string Type, DateTime At)> _recordingEvents = [];
    private readonly List<RoomEventRecord> _roomEvents = [];

    // The once-keys (RoomEventType.OnceKey) of _roomEvents, as MySQL's unique key on room_events.once_key: looking one up
    // does not walk every room's events.
    private readonly HashSet<(string Room, string Key)> _onceKeys = [];
    private readonly List<ConnectionQualityRecord> _connectionQuality = [];
    private readonly List<AiInteractionRecord> _aiInteractions = [];
    private readonly Dictionary<string, GeneratedScenarioRow> _generatedScenarios = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ScenarioText> _scenarioTexts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Room, long User)> _withdrawalCodes = new(StringComparer.Ordinal);
    private readonly List<ErasureLedgerEntry> _erasures = [];

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
                room.Touch(progress.FinishedAt ?? progress.StartedAt);
            }

            return Task.CompletedTask;
        }
    }

    public Task RecordParticipantAsync(string roomCode, long userId, string nickname, DateTime joinedAt, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _participants[(roomCode, userId)] = new ParticipantEntry(nickname, joinedAt);
            Touch(roomCode, joinedAt);
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

            Touch(roomCode, leftAt);

            return Task.CompletedTask;
        }
    }

    public Task<bool> CloseUncreatedRoomAsync(string roomCode, DateTime createdBefore, DateTime closedAt, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_rooms.TryGetValue(roomCode, out var room) || room.Status != RoomStatus.Waiting || room.Record.CreatedAt >= createdBefore)
            {
                return Task.FromResult(false);
            }

            LeaveSeats(roomCode, _ => true, closedAt);
            room.Progress = new RoomProgress(roomCode, RoomStatus.Closed, 0, room.Record.HostUserId, null, null);
            return Task.FromResult(true);
        }
    }

    public Task ReleaseUnseatedAsync(string roomCode, IReadOnlyCollection<long> seated, DateTime joinedBefore, DateTime leftAt, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_rooms.TryGetValue(roomCode, out var room) && room.Status == RoomStatus.Waiting)
            {
                LeaveSeats(roomCode, seat => seat.Value.JoinedAt < joinedBefore && !seated.Contains(seat.Key.User), leftAt);
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

    public async Task<IReadOnlyList<RecordedBot>> ReadBotsAsync(string roomCode, CancellationToken cancellationToken)
    {
        List<RecordedBot> seats;
        lock (_lock)
        {
            seats = _participants
                .Where(p => p.Key.Room == roomCode && p.Value.LeftAt is null)
                .OrderBy(p => p.Value.JoinedAt)
                .ThenBy(p => p.Key.User)
                .Select(p => new RecordedBot(p.Key.User, p.Value.Nickname, p.Value.RoleId, p.Value.JoinedAt))
                .ToList();
        }

        var bots = new List<RecordedBot>();
        foreach (var seat in seats)
        {
            if (await accounts.FindByIdAsync(seat.UserId, cancellationToken) is { IsBot: true })
            {
                bots.Add(seat);
            }
        }

        return bots;
    }

    public Task RecordChoiceAsync(ChoiceRecord choice, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _choices[(choice.RoomCode, choice.RoundNumber, choice.UserId)] = choice;
            _submissions[(choice.RoomCode, choice.RoundNumber, choice.UserId, choice.Revision)] = choice;
            Touch(choice.RoomCode, choice.At);
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

    public Task<RoomActivationEvents> ReadActivationEventsAsync(string roomCode, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var endedEarly = _roomEvents.Find(e => e.RoomCode == roomCode && e.EventType == RoomEventType.EndedEarly);

            // The last presence event of each seat, in the order recorded, as MySQL's by id.
            var last = new Dictionary<long, RoomEventRecord>();
            foreach (var e in _roomEvents)
            {
                if (e.RoomCode == roomCode && e.UserId is { } user && e.EventType is RoomEventType.Reconnecting or RoomEventType.Returned or RoomEventType.Dropped)
                {
                    last[user] = e;
                }
            }

            return Task.FromResult(new RoomActivationEvents(endedEarly, [.. last.Values.Where(e => e.EventType == RoomEventType.Reconnecting)]));
        }
    }

    public Task<ConsensusRecord?> ReadConsensusAsync(string roomCode, int roundNumber, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_consensus.GetValueOrDefault((roomCode, roundNumber)));
        }
    }

    public Task RecordConsensusAsync(ConsensusRecord consensus, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _consensus.TryAdd((consensus.RoomCode, consensus.RoundNumber), consensus);
            Touch(consensus.RoomCode, consensus.At);
            return Task.CompletedTask;
        }
    }

    public Task RecordRecordingEventAsync(string roomCode, long userId, string eventType, DateTime occurredAt, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _recordingEvents.Add((roomCode, userId, eventType, occurredAt));
            Touch(roomCode, occurredAt);
            return Task.CompletedTask;
        }
    }

    public Task<RecordingEventRecord?> ReadLastRecordingEventAsync(string roomCode, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var last = _recordingEvents.FindLastIndex(e => e.Room == roomCode);
            return Task.FromResult(last < 0 ? null : new RecordingEventRecord(roomCode, _recordingEvents[last].User, _recordingEvents[last].Type, _recordingEvents[last].At));
        }
    }

    public Task<bool> RecordConnectionQualityAsync(IReadOnlyList<ConnectionQualityRecord> reports, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reports);
        lock (_lock)
        {
            // As uq_connection_quality_link: a link to a peer whose id was erased (null) no longer counts as reported.
            if (reports.Any(report => report.PeerUserId is not null && _connectionQuality.Exists(row => SameLink(row, report))))
            {
                return Task.FromResult(false);
            }

            foreach (var report in reports)
            {
                _connectionQuality.Add(report);
                Touch(report.RoomCode, report.ReportedAt);
            }

            return Task.FromResult(true);
        }
    }

    private static bool SameLink(ConnectionQualityRecord row, ConnectionQualityRecord report) =>
        row.RoomCode == report.RoomCode && row.RoundNumber == report.RoundNumber && row.UserId == report.UserId && row.PeerUserId == report.PeerUserId;

    /// <summary>A room's link-quality reports in the order they came.</summary>
    public IReadOnlyList<ConnectionQualityRecord> ConnectionQuality(string roomCode)
    {
        lock (_lock)
        {
            return _connectionQuality.Where(r => r.RoomCode == roomCode).ToList();
        }
    }

    public Task RecordGeneratedScenarioAsync(GeneratedScenarioRow scenario, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        lock (_lock)
        {
            _generatedScenarios.TryAdd(scenario.Scenario.Id, scenario);
            return Task.CompletedTask;
        }
    }

    public Task RecordScenarioTextAsync(ScenarioText text, DateTime recordedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        lock (_lock)
        {
            _scenarioTexts.TryAdd(text.Sha256, text);
            return Task.CompletedTask;
        }
    }

    /// <summary>The scenario text recorded under this hash, or null.</summary>
    public ScenarioText? ScenarioTextOf(string sha256)
    {
        lock (_lock)
        {
            return _scenarioTexts.GetValueOrDefault(sha256);
        }
    }

    /// <summary>The recorded generated scenario with this id, or null.</summary>
    public GeneratedScenarioRow? GeneratedScenario(string scenarioId)
    {
        lock (_lock)
        {
            return _generatedScenarios.GetValueOrDefault(scenarioId);
        }
    }

    public Task RecordAiInteractionAsync(AiInteractionRecord interaction, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var made = AiInteractionKind.OncePerRound(interaction.Kind) ? _aiInteractions.FindIndex(r => AiInteractionKind.SameInteraction(r, interaction)) : -1;
            if (made >= 0)
            {
                _aiInteractions[made] = interaction;
            }
            else
            {
                _aiInteractions.Add(interaction);
            }

            Touch(interaction.RoomCode, interaction.At);
            return Task.CompletedTask;
        }
    }

    /// <summary>A room's AI interactions in the order they were recorded.</summary>
    public IReadOnlyList<AiInteractionRecord> AiInteractions(string roomCode)
    {
        lock (_lock)
        {
            return _aiInteractions.Where(r => r.RoomCode == roomCode).ToList();
        }
    }

    public Task RecordRoomEventAsync(RoomEventRecord roomEvent, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (RoomEventType.OnceKey(roomEvent) is { } key && !_onceKeys.Add((roomEvent.RoomCode, key)))
            {
                return Task.CompletedTask;
            }

            _roomEvents.Add(roomEvent);
            Touch(roomEvent.RoomCode, roomEvent.At);
            return Task.CompletedTask;
        }
    }

    public Task<bool> RecordWithdrawalCodeAsync(string roomCode, long userId, byte[] codeSha256, DateTime issuedAt, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // As MySQL's insert: no code for a seat whose rows retention or a withdrawal has removed.
            if (!_participants.ContainsKey((roomCode, userId)))
            {
                return Task.FromResult(false);
            }

            _withdrawalCodes.TryAdd(Convert.ToHexString(codeSha256), (roomCode, userId));
            return Task.FromResult(true);
        }
    }

    public Task<long?> FindWithdrawalCodeAsync(byte[] codeSha256, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_withdrawalCodes.TryGetValue(Convert.ToHexString(codeSha256), out var seat) ? seat.User : (long?)null);
        }
    }

    public Task<ErasureScope> ScopeAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(ScopeOf(userId));
        }
    }

    public Task<ErasureOutcome> EraseAsync(long userId, string kind, DateTime at, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var (playing, rooms) = ScopeOf(userId);
            if (playing)
            {
                return Task.FromResult(new ErasureOutcome(InGame: true, 0, []));
            }

            // Consensus rows and events the user caused are the room's: they lose the link only (0: nobody).
            foreach (var (key, consensus) in _consensus.Where(c => c.Value.SubmittedBy == userId).ToList())
            {
                _consensus[key] = consensus with { SubmittedBy = 0 };
            }

            for (var i = 0; i < _roomEvents.Count; i++)
            {
                if (_roomEvents[i].ActorId == userId)
                {
                    _roomEvents[i] = _roomEvents[i] with { ActorId = null };
                }
            }

            foreach (var code in _withdrawalCodes.Where(c => c.Value.User == userId).Select(c => c.Key).ToList())
            {
                _withdrawalCodes.Remove(code);
            }

            long rows = 0;
            rows += RemoveWhere(_choices, c => c.Key.User == userId) + RemoveWhere(_submissions, c => c.Key.User == userId);

            // Others' reports of their link to this user stay theirs, without the link to whom.
            NullPeer(r => r.PeerUserId == userId);

            rows += RemoveRoomEvents(e => e.UserId == userId);
            rows += _recordingEvents.RemoveAll(e => e.User == userId);
            rows += _connectionQuality.RemoveAll(r => r.UserId == userId);
            rows += _aiInteractions.RemoveAll(r => r.UserId == userId);

            // The actions about them, never those they took: a facilitator's own actions are the session's audit, not
            // research data about a participant.
            rows += facilitatorActions.DropAbout(userId);
            foreach (var key in _participants.Keys.Where(k => k.User == userId).ToList())
            {
                rows += _participants.Remove(key) ? 1 : 0;
            }

            _erasures.Add(new ErasureLedgerEntry(_erasures.Count + 1, at, rows, kind));
            return Task.FromResult(new ErasureOutcome(InGame: false, rows, rooms));
        }
    }

    /// <summary>The same rule as MySQL: not while a room grain may still write this user's rows. Under the lock.</summary>
    private ErasureScope ScopeOf(long userId)
    {
        var playing = _participants.Any(p => p.Key.User == userId && _rooms.TryGetValue(p.Key.Room, out var room)
            && (room.Status == RoomStatus.Started || (room.Status == RoomStatus.Waiting && p.Value.LeftAt is null)));
        return playing
            ? new ErasureScope(InGame: true, [])
            : new ErasureScope(InGame: false, [.. _participants.Keys.Where(k => k.User == userId).Select(k => k.Room).Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>For tests: a user's rows in the tables erasure deletes from (facilitator actions about them too), and the rows still linked to them (consensus submitted, events caused).</summary>
    public (long Rows, long Linked) RowsOf(long userId)
    {
        lock (_lock)
        {
            return (
                _participants.Keys.Count(k => k.User == userId) + _choices.Keys.Count(k => k.User == userId) + _submissions.Keys.Count(k => k.User == userId)
                    + _roomEvents.Count(e => e.UserId == userId) + _recordingEvents.Count(e => e.User == userId)
                    + _connectionQuality.Count(r => r.UserId == userId) + _aiInteractions.Count(r => r.UserId == userId)
                    + facilitatorActions.About(userId).Count,
                _consensus.Values.Count(c => c.SubmittedBy == userId) + _roomEvents.Count(e => e.ActorId == userId) + _withdrawalCodes.Values.Count(c => c.User == userId)
                    + _connectionQuality.Count(r => r.PeerUserId == userId));
        }
    }

    /// <summary>Everyone seated in a room this store holds, live or ended: whom embedded mode must not forget.</summary>
    public IReadOnlySet<long> SeatedUsers()
    {
        lock (_lock)
        {
            return _participants.Keys.Select(k => k.User).ToHashSet();
        }
    }

    /// <summary>Users seated in rooms that ended before <paramref name="before"/>: whom the retention of rows without consent asks the accounts about.</summary>
    public IReadOnlyList<long> UsersOfRoomsEndedBefore(DateTime before)
    {
        lock (_lock)
        {
            return _participants.Keys.Where(k => _rooms.TryGetValue(k.Room, out var room) && EndedBefore(room, before)).Select(k => k.User).Distinct().ToList();
        }
    }

    /// <summary>Retention as <see cref="IResearchRetentionStore.ApplyAsync"/> describes it; <paramref name="withoutConsent"/> are the users it may take seats of.</summary>
    public RetentionReport ApplyRetention(DateTime? roomsEndedBefore, DateTime? seatsEndedBefore, IReadOnlySet<long> withoutConsent, DateTime now)
    {
        lock (_lock)
        {
            long rooms = 0, roomRows = 0, seats = 0, seatRows = 0;
            if (roomsEndedBefore is { } before)
            {
                var due = _rooms.Values.Where(r => EndedBefore(r, before)).Select(r => r.Record.RoomCode).ToHashSet(StringComparer.Ordinal);
                rooms = due.Count;
                roomRows = RemoveRooms(due);
            }

            if (seatsEndedBefore is { } seatsBefore)
            {
                var due = _participants.Keys
                    .Where(k => withoutConsent.Contains(k.User) && _rooms.TryGetValue(k.Room, out var room) && EndedBefore(room, seatsBefore))
                    .ToHashSet();
                foreach (var (key, consensus) in _consensus.Where(c => due.Contains((c.Key.Room, c.Value.SubmittedBy))).ToList())
                {
                    _consensus[key] = consensus with { SubmittedBy = 0 };
                }

                for (var i = 0; i < _roomEvents.Count; i++)
                {
                    if (_roomEvents[i].ActorId is { } actor && due.Contains((_roomEvents[i].RoomCode, actor)))
                    {
                        _roomEvents[i] = _roomEvents[i] with { ActorId = null };
                    }
                }

                RemoveWhere(_withdrawalCodes, c => due.Contains(c.Value));
                NullPeer(r => r.PeerUserId is { } peer && due.Contains((r.RoomCode, peer)));
                seats = due.Count;
                seatRows = RemoveWhere(_choices, c => due.Contains((c.Key.Room, c.Key.User)))
                    + RemoveWhere(_submissions, c => due.Contains((c.Key.Room, c.Key.User)))
                    + RemoveRoomEvents(e => e.UserId is { } user && due.Contains((e.RoomCode, user)))
                    + _recordingEvents.RemoveAll(e => due.Contains((e.Room, e.User)))
                    + _connectionQuality.RemoveAll(r => due.Contains((r.RoomCode, r.UserId)))
                    + _aiInteractions.RemoveAll(r => r.UserId is { } user && due.Contains((r.RoomCode, user)))
                    + facilitatorActions.DropSeats(due)
                    + RemoveWhere(_participants, p => due.Contains(p.Key));
            }

            foreach (var (rows, kind) in new[] { (roomRows, ErasureKinds.Retention), (seatRows, ErasureKinds.RetentionWithoutConsent) })
            {
                if (rows > 0)
                {
                    _erasures.Add(new ErasureLedgerEntry(_erasures.Count + 1, now, rows, kind));
                }
            }

            return new RetentionReport(rooms, roomRows, seats, seatRows);
        }
    }

    /// <summary>
    /// Embedded mode's bound: the codes of the ended rooms (finished games, and rooms closed without one) and of the
    /// games left unfinished (started, nothing recorded since <paramref name="leftBefore"/>) beyond the newest
    /// <paramref name="keep"/>, oldest first; a left game is as old as its last row. <see cref="DropRooms"/> then drops them.
    /// </summary>
    public IReadOnlyList<string> EndedRoomsBeyond(int keep, DateTime leftBefore)
    {
        lock (_lock)
        {
            var ended = _rooms.Values.Where(r => r.Status is RoomStatus.Finished or RoomStatus.Closed || r.IsLeftSince(leftBefore)).ToList();
            return ended.Count <= keep
                ? []
                : ended.OrderBy(EndedAt).ThenBy(r => r.Record.RoomCode, StringComparer.Ordinal).Take(ended.Count - keep).Select(r => r.Record.RoomCode).ToList();
        }
    }

    /// <summary>Drops every row of these rooms (their facilitator actions too), as retention does but without an erasure in the ledger: a bound on memory, not a rule on data. Answers the rows dropped.</summary>
    public long DropRooms(IReadOnlyCollection<string> roomCodes)
    {
        lock (_lock)
        {
            var rows = RemoveRooms(roomCodes.ToHashSet(StringComparer.Ordinal));
            GiveBackUnusedRoom();
            return rows;
        }
    }

    /// <summary>For tests: how many more choices (last values and submissions) the store has room for than it holds.</summary>
    public int SpareChoiceEntries()
    {
        lock (_lock)
        {
            return _choices.Capacity - _choices.Count + _submissions.Capacity - _submissions.Count;
        }
    }

    /// <summary>For tests: how many ended rooms (finished or closed) are kept.</summary>
    public int CountEndedRooms()
    {
        lock (_lock)
        {
            return _rooms.Values.Count(r => r.Status is RoomStatus.Finished or RoomStatus.Closed);
        }
    }

    /// <summary>For tests: a room's rows as stored (room row, seats whether left or not, choices and their submissions, consensus).</summary>
    public (long Rooms, long Seats, long Choices, long Consensus) RowCounts(string roomCode)
    {
        lock (_lock)
        {
            return (_rooms.ContainsKey(roomCode) ? 1 : 0, _participants.Keys.Count(k => k.Room == roomCode), _choices.Keys.Count(k => k.Room == roomCode) + _submissions.Keys.Count(k => k.Room == roomCode), _consensus.Keys.Count(k => k.Room == roomCode));
        }
    }

    // Finished before the time, or closed (never started) when created before it; waiting and started rooms never are.
    private static bool EndedBefore(RoomEntry room, DateTime before) => room.Status switch
    {
        RoomStatus.Finished => room.Progress?.FinishedAt < before,
        RoomStatus.Closed => room.Record.CreatedAt < before,
        _ => false,
    };

    private void NullPeer(Func<ConnectionQualityRecord, bool> erased)
    {
        for (var i = 0; i < _connectionQuality.Count; i++)
        {
            if (_connectionQuality[i].PeerUserId is not null && erased(_connectionQuality[i]))
            {
                _connectionQuality[i] = _connectionQuality[i] with { PeerUserId = null };
            }
        }
    }

    // A closed room has no end of its own in the rows: its creation stands in for it, as in EndedBefore; a game left unfinished ends with its last row.
    private static DateTime EndedAt(RoomEntry room) => room.Status switch
    {
        RoomStatus.Finished => room.Progress?.FinishedAt ?? room.Record.CreatedAt,
        RoomStatus.Started => room.LastWriteAt,
        _ => room.Record.CreatedAt,
    };

    // Called under the lock: the room's seats not left that match, left now, as RecordLeaveAsync leaves one.
    private void LeaveSeats(string roomCode, Func<KeyValuePair<(string Room, long User), ParticipantEntry>, bool> which, DateTime leftAt)
    {
        foreach (var seat in _participants.Where(p => p.Key.Room == roomCode && p.Value.LeftAt is null && which(p)))
        {
            seat.Value.LeftAt = leftAt;
            seat.Value.RoleId = null;
        }
    }

    // Called under the lock.
    private void Touch(string roomCode, DateTime at)
    {
        if (_rooms.TryGetValue(roomCode, out var room))
        {
            room.Touch(at);
        }
    }

    // Called under the lock: every row of the rooms, children first as MySQL's foreign keys would want.
    private long RemoveRooms(HashSet<string> due) =>
        RemoveWhere(_withdrawalCodes, c => due.Contains(c.Value.Room))
        + _recordingEvents.RemoveAll(e => due.Contains(e.Room))
        + _connectionQuality.RemoveAll(r => due.Contains(r.RoomCode))
        + _aiInteractions.RemoveAll(r => due.Contains(r.RoomCode))
        + RemoveRoomEvents(e => due.Contains(e.RoomCode))
        + facilitatorActions.DropRooms(due)
        + RemoveWhere(_choices, c => due.Contains(c.Key.Room))
        + RemoveWhere(_submissions, c => due.Contains(c.Key.Room))
        + RemoveWhere(_consensus, c => due.Contains(c.Key.Room))
        + RemoveWhere(_participants, p => due.Contains(p.Key.Room))
        + RemoveWhere(_rooms, r => due.Contains(r.Key));

    // Called under the lock, after a sweep: after a 1,000-table run the two choice tables took 6 MB, three quarters of it
    // empty entries (gcdump).
    private void GiveBackUnusedRoom()
    {
        UnusedRoom.GiveBack(_rooms);
        UnusedRoom.GiveBack(_participants);
        UnusedRoom.GiveBack(_choices);
        UnusedRoom.GiveBack(_submissions);
        UnusedRoom.GiveBack(_consensus);
        UnusedRoom.GiveBack(_withdrawalCodes);
        UnusedRoom.GiveBack(_recordingEvents);
        UnusedRoom.GiveBack(_roomEvents);
        UnusedRoom.GiveBack(_onceKeys);
        UnusedRoom.GiveBack(_connectionQuality);
        UnusedRoom.GiveBack(_aiInteractions);
    }

    // Called under the lock: the events and their once-keys, so an event removed (erased, past retention) could be recorded again, as in MySQL.
    private int RemoveRoomEvents(Predicate<RoomEventRecord> due)
    {
        foreach (var roomEvent in _roomEvents)
        {
            if (due(roomEvent) && RoomEventType.OnceKey(roomEvent) is { } key)
            {
                _onceKeys.Remove((roomEvent.RoomCode, key));
            }
        }

        return _roomEvents.RemoveAll(due);
    }

    private static int RemoveWhere<TKey, TValue>(Dictionary<TKey, TValue> entries, Func<KeyValuePair<TKey, TValue>, bool> due)
        where TKey : notnull
    {
        var keys = entries.Where(due).Select(e => e.Key).ToList();
        foreach (var key in keys)
        {
            entries.Remove(key);
        }

        return keys.Count;
    }

    /// <summary>The erasures recorded so far, as an export's manifest counts them.</summary>
    public ErasureTotals ErasureTotals()
    {
        lock (_lock)
        {
            return new ErasureTotals(_erasures.Count, _erasures.Sum(e => e.RowsErased));
        }
    }

    /// <summary>The erasure ledger, newest first.</summary>
    public (IReadOnlyList<ErasureLedgerEntry> Entries, long Total) ListErasures(long offset, int count)
    {
        lock (_lock)
        {
            IReadOnlyList<ErasureLedgerEntry> entries = Enumerable.Reverse(_erasures).Skip((int)Math.Min(offset, int.MaxValue)).Take(count).ToList();
            return (entries, _erasures.Count);
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

    public Task<(IReadOnlyList<RoomRow> Rooms, long Total)> ListPublicRoomsAsync(string? topic, string status, long offset, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var matching = PublicRooms(topic, status).OrderByDescending(r => r.CreatedAt).ThenBy(r => r.RoomCode, StringComparer.Ordinal).ToList();
            return Task.FromResult<(IReadOnlyList<RoomRow>, long)>((matching.Skip((int)Math.Min(offset, int.MaxValue)).Take(limit).ToList(), matching.Count));
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

    public Task<IReadOnlyList<string>> FindLeftGamesAsync(DateTime quietSince, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<string> codes = _rooms.Values
                .Where(r => r.IsLeftSince(quietSince))
                .OrderBy(r => r.Progress?.StartedAt)
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
                    .Select(c => new HeldChoice(c.RoomCode, c.RoundNumber, c.Choice, c.Confidence, c.Revision, Utc(c.At), c.Language))],
                [.. _consensus.Values.Where(c => c.SubmittedBy == userId).OrderBy(c => c.RoomCode, StringComparer.Ordinal).ThenBy(c => c.RoundNumber)
                    .Select(c => new HeldConsensus(c.RoomCode, c.RoundNumber, c.Choice, c.Confidence, Utc(c.At), c.Language))],
                [.. _recordingEvents.Where(e => e.User == userId).Select(e => new HeldRecordingEvent(e.Room, e.Type, Utc(e.At)))],
                [.. _connectionQuality.Where(r => r.UserId == userId).Select(r => new HeldConnectionQuality(
                    r.RoomCode, r.RoundNumber, r.ConnectionState, r.Relayed, r.RoundTripMs, r.JitterMs, r.PacketsReceived, r.PacketsLost, Utc(r.ReportedAt)))],
                [.. _aiInteractions.Where(r => r.UserId == userId).Select(r => new HeldAiInteraction(
                    r.RoomCode, r.Kind, r.RoundNumber, Utc(r.At), r.Provider, r.Model, r.PromptVersion, r.FellBack, r.FallbackReason))],
                [.. _submissions.Values.Where(c => c.UserId == userId).OrderBy(c => c.RoomCode, StringComparer.Ordinal).ThenBy(c => c.RoundNumber).ThenBy(c => c.Revision)
                    .Select(c => new HeldChoice(c.RoomCode, c.RoundNumber, c.Choice, c.Confidence, c.Revision, Utc(c.At), c.Language))],
                [.. _roomEvents.Where(e => e.UserId == userId).Select(e => new HeldRoomEvent(e.RoomCode, e.EventType, e.RoundNumber, Utc(e.At)))],
                [.. facilitatorActions.About(userId).Select(a => new HeldFacilitatorAction(a.RoomCode, a.Action, a.Reason, a.OccurredAt.ToUniversalTime()))]));
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
            var submissions = _submissions.Values.ToLookup(c => c.RoomCode, StringComparer.Ordinal);
            return _rooms.Values
                .Select(r => new RecordedRoom(r.Record, r.Progress, [.. seats[r.Record.RoomCode]], [.. choices[r.Record.RoomCode]], [.. consensus[r.Record.RoomCode]], [.. submissions[r.Record.RoomCode]]))
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

        /// <summary>When the room's newest row was recorded (by the time the row carries): how long a game has been left.</summary>
        public DateTime LastWriteAt { get; private set; } = record.CreatedAt;

        /// <summary>A started game with no row since <paramref name="time"/>.</summary>
        public bool IsLeftSince(DateTime time) => Status == RoomStatus.Started && LastWriteAt < time;

        public void Touch(DateTime? at)
        {
            if (at > LastWriteAt)
            {
                LastWriteAt = at.Value;
            }
        }
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
    IReadOnlyList<ConsensusRecord> Consensus,
    IReadOnlyList<ChoiceRecord> Submissions);

/// <summary>A participant seated in a room.</summary>
public sealed record RecordedSeat(long UserId, string Nickname, int? RoleId, DateTime JoinedAt);
