using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// The room's live presence: who has a signaling socket open, which gateway connections hold
/// voice-session sockets, microphone states. None of it is stored — sockets do not outlive a
/// process — and connections renew themselves, so a reactivated room is whole again within a
/// renewal period. Pushes to connections are one-way: the room never waits on a socket.
/// </summary>
public sealed partial class RoomGrain
{
    // Each start or stop is a research row: a participant toggling it in a loop must not flood the table.
    private static readonly TimeSpan RecordingChangeInterval = TimeSpan.FromSeconds(1);

    private readonly SignalingSockets _signaling = new();
    private readonly VoiceConnections _voice = new(logger);
    private readonly Dictionary<long, VoiceStatus> _voiceStatus = [];

    // Users whose peer grain registered: they hear of every change of the seats.
    private readonly HashSet<long> _peers = [];
    private long[] _membersPushed = [];

    // When each participant last changed the recording, for the once-a-second rule.
    private readonly Dictionary<long, DateTimeOffset> _recordingChanges = [];

    public async Task<IReadOnlyList<PeerPresence>> JoinSignalingAsync(long userId, string connectionId, CancellationToken cancellationToken)
    {
        EnsureCreated();
        var joining = Seated(userId);
        DropExpiredSignaling();
        NotePresence();
        var isNew = _signaling.Renew(userId, connectionId, time.GetUtcNow());
        var others = State.Participants.Where(p => p.UserId != userId && _signaling.IsOpen(p.UserId)).ToList();
        if (isNew)
        {
            foreach (var other in others)
            {
                PeerOf(other.UserId).NotifyAsync(new PeerEvent("peer_joined", PresenceOf(joining, other.UserId))).Ignore();
            }

            TellPeerOfAdoptedGraces(userId);
        }

        IReadOnlyList<PeerPresence> present = others.Select(o => PresenceOf(o, userId)).ToList();
        await NoteSocketBackAsync(joining, cancellationToken);
        await SettlePresenceAsync(cancellationToken);
        return present;
    }

    public async Task LeaveSignalingAsync(long userId, string connectionId, CancellationToken cancellationToken)
    {
        if (_signaling.IsCurrent(userId, connectionId))
        {
            ForgetSignaling(userId);
            NotePresence();
        }

        await SettlePresenceAsync(cancellationToken);
    }

    public Task<RoomMembers> RegisterPeerAsync(long userId)
    {
        EnsureCreated();
        Seated(userId);
        _peers.Add(userId);
        return Task.FromResult(Members());
    }

    public async Task<VoiceSessionState> JoinVoiceAsync(long userId, string connectionId, IRoomObserver observer, CancellationToken cancellationToken)
    {
        EnsureCreated();
        var joining = Seated(userId);
        DropExpiredVoice();
        var state = SubscribeVoice(userId, connectionId, observer);
        await NoteSocketBackAsync(joining, cancellationToken);
        await SettlePresenceAsync(cancellationToken);
        return state;
    }

    public async Task<VoiceSessionState?> RenewVoiceAsync(long userId, string connectionId, IRoomObserver observer, CancellationToken cancellationToken)
    {
        EnsureCreated();
        var renewing = Seated(userId);
        DropExpiredVoice();

        // A renewal in flight when a newer socket connected must not take the user back.
        if (_voice.HasOther(userId, connectionId))
        {
            return null;
        }

        var state = SubscribeVoice(userId, connectionId, observer);
        await NoteSocketBackAsync(renewing, cancellationToken);
        await SettlePresenceAsync(cancellationToken);
        return state;
    }

    public async Task LeaveVoiceAsync(long userId, string connectionId, CancellationToken cancellationToken)
    {
        if (_voice.Unsubscribe(connectionId) && !_voice.IsConnected(userId))
        {
            NotePresence();
            _voiceStatus.Remove(userId);
            ForgetLinks(userId);
            Broadcast(o => o.OnPresence(userId, false), exceptUser: userId);
            NoteSocketGone(userId);
        }

        await SettlePresenceAsync(cancellationToken);
    }

    public Task UpdateVoiceStatusAsync(long userId, bool isMicOn, bool isSpeaking)
    {
        EnsureCreated();
        Seated(userId);
        var status = new VoiceStatus(userId, isMicOn, isSpeaking, time.GetUtcNow());
        _voiceStatus[userId] = status;
        Broadcast(o => o.OnVoiceStatus(status), exceptUser: userId);
        return Task.CompletedTask;
    }

    public async Task<RecordingState> SetRecordingAsync(long userId, bool recording, CancellationToken cancellationToken)
    {
        EnsureCreated();
        if (IsForgotten(Participant(userId)))
        {
            // Each change is a recording_events row naming who made it: one would be new research data about them.
            throw RuleViolationException.Gone("research_data_removed", "Your research data from this game was withdrawn; nothing more is recorded about you here.");
        }

        var user = await GrainFactory.GetGrain<IUserGrain>(userId).GetAsync(cancellationToken);
        if (!user.VoiceConsent)
        {
            throw RuleViolationException.Forbidden("voice_consent_required", "Only participants who consented to voice recording may start or stop it.");
        }

        // Starting what is started is not a change: no research row, no push.
        if (State.IsRecording == recording)
        {
            return Recording();
        }

        var asked = time.GetUtcNow();
        if (_recordingChanges.TryGetValue(userId, out var last) && asked - last < RecordingChangeInterval)
        {
            throw RuleViolationException.Conflict("rate_limited", "The recording changes at most once a second per participant.");
        }

        var eventType = recording ? RecordingEventType.Started : RecordingEventType.Stopped;
        var (by, at) = (userId, Now);
        if (await research.ReadLastRecordingEventAsync(Code, cancellationToken) is { } recorded && recorded.EventType == eventType && recorded.At > (State.RecordingChangedAt ?? DateTime.MinValue))
        {
            // This change is recorded already, after the room's last stored one: its call wrote the row and then failed to
            // save, and the room came back as stored. The retry takes the change as recorded (who, when) and writes no second row.
            (by, at) = (recorded.UserId, recorded.At);
        }
        else
        {
            await research.RecordRecordingEventAsync(Code, userId, eventType, at, cancellationToken);
        }

        _recordingChanges[userId] = asked;
        State.IsRecording = recording;
        State.RecordingChangedBy = by;
        State.RecordingChangedAt = at;
        await SaveAsync(writeScenario: false, cancellationToken);
        var state = Recording();
        Broadcast(o => o.OnRecording(state), exceptUser: null);
        return state;
    }

    private VoiceSessionState SubscribeVoice(long userId, string connectionId, IRoomObserver observer)
    {
        NotePresence();
        var wasConnected = _voice.IsConnected(userId);

        // One voice socket per user per room: every push would otherwise go out once per socket.
        foreach (var older in _voice.UnsubscribeUser(userId, keep: connectionId))
        {
            older.OnReplaced();
        }

        var isNew = !_voice.Holds(connectionId);
        _voice.Subscribe(connectionId, userId, observer, time.GetUtcNow());
        if (!wasConnected)
        {
            Broadcast(o => o.OnPresence(userId, true), exceptUser: userId);
        }

        if (isNew)
        {
            TellOfAdoptedGraces(userId, observer);
        }

        return VoiceSession();
    }

    /// <summary>
    /// Closes everything of a user who no longer sits in the room (left, removed, or the room
    /// ended): their voice sockets and their signaling socket close with 4003 at once, whether or
    /// not they ever sent <c>join</c>, and their peer grain relays nothing more to or from them.
    /// One-way pushes only: nothing here waits on a socket or calls back into the room.
    /// </summary>
    private void EvictFromRealtime(long userId)
    {
        var voice = _voice.UnsubscribeUser(userId);
        foreach (var connection in voice)
        {
            connection.OnNoLongerParticipant();
        }

        if (voice.Count > 0)
        {
            NoteSocketGone(userId);
            _voiceStatus.Remove(userId);
            Broadcast(o => o.OnPresence(userId, false), exceptUser: userId);
        }

        ForgetSignaling(userId);
        ForgetLinks(userId);
        _peers.Remove(userId);
        _recordingChanges.Remove(userId);

        // Sent whether or not the peer registered here: a room reactivated since has not heard of it.
        PeerOf(userId).EvictAsync(State.Version).Ignore();
    }

    /// <summary>After a change of the seats, the registered peers learn who may signal whom.</summary>
    private void PushMembersIfChanged()
    {
        var seated = State.Participants.Select(p => p.UserId).Order().ToArray();
        if (seated.SequenceEqual(_membersPushed))
        {
            return;
        }

        _membersPushed = seated;
        _peers.IntersectWith(seated);
        var members = Members();
        foreach (var peer in _peers)
        {
            PeerOf(peer).UpdateMembersAsync(members).Ignore();
        }
    }

    private RoomMembers Members() => new(State.Participants.Select(p => p.UserId).ToList(), State.Version);

    private IPeerGrain PeerOf(long userId) => GrainFactory.GetGrain<IPeerGrain>(IPeerGrain.KeyOf(Code, userId));

    private static PeerPresence PresenceOf(ParticipantState peer, long receiver) =>
        new(peer.UserId, peer.Nickname, peer.RoleId, Politeness.IsPolite(receiver, peer.UserId));

    private void ForgetSignaling(long userId)
    {
        if (!_signaling.Close(userId))
        {
            return;
        }

        NoteSocketGone(userId);

        var left = new PeerPresence(userId, Find(userId)?.Nickname ?? string.Empty, Find(userId)?.RoleId, false);
        foreach (var other in _signaling.Users)
        {
            PeerOf(other).NotifyAsync(new PeerEvent("peer_left", left with { Polite = Politeness.IsPolite(other, userId) })).Ignore();
        }
    }

    private void DropExpiredSignaling()
    {
        foreach (var userId in _signaling.Expired(time.GetUtcNow(), ConnectionLease.Lifetime))
        {
            ForgetSignaling(userId);
        }
    }

    private void PushRoomUpdate()
    {
        PushMembersIfChanged();
        if (_voice.Count > 0 || _monitors.Count > 0)
        {
            var snapshot = Snapshot();
            Broadcast(o => o.OnRoomUpdated(snapshot), exceptUser: null);
            PushToMonitors(snapshot);
        }
    }

    private void Broadcast(Action<IRoomObserver> push, long? exceptUser)
    {
        DropExpiredVoice();
        _voice.Notify(push, exceptUser);
    }

    private void DropExpiredVoice()
    {
        foreach (var userId in _voice.ClearExpired(time.GetUtcNow()))
        {
            NoteSocketGone(userId);
            _voiceStatus.Remove(userId);
        }
    }

    private RecordingState Recording() => new(
        State.IsRecording,
        State.RecordingChangedBy,
        State.RecordingChangedAt is { } at ? Utc(at) : null);

    private VoiceSessionState VoiceSession() => new(
        Code,
        State.Participants.Select(p =>
        {
            var status = _voiceStatus.GetValueOrDefault(p.UserId);
            return new VoiceParticipant(p.UserId, p.Nickname, p.RoleId, status?.IsMicOn ?? false, status?.IsSpeaking ?? false, _voice.IsConnected(p.UserId));
        }).ToList(),
        Recording());
}
