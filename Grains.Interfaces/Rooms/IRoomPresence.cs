using Dilemma.Grains.Interfaces.Realtime;

namespace Dilemma.Grains.Interfaces.Rooms;

/// <summary>
/// A room's live presence: signaling and voice-session sockets, peer grains, microphone states, link states and
/// quality, and the recording switch. Held in memory by the same room grain as the game (one activation is the unit
/// of consistency: a dropout is a rule of the game), behind its own interface so the realtime edge depends on this only.
/// </summary>
public interface IRoomPresence : IGrainWithStringKey
{
    /// <summary>
    /// A participant's signaling socket joined (or renewed itself); the others present are told
    /// <c>peer_joined</c> when it is new. Answers the others present, with who is polite.
    /// </summary>
    Task<IReadOnlyList<PeerPresence>> JoinSignalingAsync(long userId, string connectionId, CancellationToken cancellationToken = default);

    /// <summary>The socket closed: if it is still the participant's current one, the others are told <c>peer_left</c>.</summary>
    Task LeaveSignalingAsync(long userId, string connectionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// A participant's peer grain registers for the room's membership pushes; answers who is
    /// seated. <c>not_participant</c> (403) for anyone not seated. Called by peer grains only.
    /// </summary>
    Task<RoomMembers> RegisterPeerAsync(long userId);

    /// <summary>
    /// Subscribes a new voice-session connection to the room's pushes: room updates, voice
    /// status, recording. One voice connection per user: an older one of the same user is told
    /// to close (replaced). Answers the session state <c>init</c> returns. Renew within two minutes.
    /// </summary>
    Task<VoiceSessionState> JoinVoiceAsync(long userId, string connectionId, IRoomObserver observer, CancellationToken cancellationToken = default);

    /// <summary>
    /// Renews a voice-session connection (re-subscribing it after the room was reactivated);
    /// null when a newer connection of the same user has replaced it.
    /// </summary>
    Task<VoiceSessionState?> RenewVoiceAsync(long userId, string connectionId, IRoomObserver observer, CancellationToken cancellationToken = default);

    Task LeaveVoiceAsync(long userId, string connectionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The state of one of the caller's WebRTC links (to <paramref name="peerUserId"/>), as their browser last reported it:
    /// presence data for the session monitor, kept in memory only (latest per user and peer), never a research row.
    /// <c>invalid_message</c> (422) for a peer not seated in the room or the caller themselves, or a state not in <see cref="VoiceLinkStates"/>.
    /// </summary>
    Task ReportLinkStateAsync(long userId, long peerUserId, string state, bool relayed);

    /// <summary>A participant's microphone state, passed on to the others.</summary>
    Task UpdateVoiceStatusAsync(long userId, bool isMicOn, bool isSpeaking);

    /// <summary>
    /// Stores a seated participant's per-link summary of a round (one <c>connection_quality</c> row per link):
    /// the round must have opened (<c>wrong_round</c>, 409), each peer must be another participant of the room
    /// (<c>invalid_peer</c>, 422; the gateway refuses a peer listed twice), and a participant reports a round's link
    /// once, whichever activation of the room is asked (<c>already_reported</c>, 409). A finished game takes only its last
    /// round's report (<c>wrong_round</c> otherwise). Nothing more is recorded about a participant who withdrew their research
    /// data: their own report is <c>research_data_removed</c> (410), and another's link to them is left out.
    /// </summary>
    Task RecordLinkQualityAsync(long userId, int roundNumber, IReadOnlyList<LinkQuality> links, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts or stops the room's recording; only participants with voice consent may
    /// (<c>voice_consent_required</c>, 403). Each change is a timestamped research event.
    /// Starting what is started (or stopping what is stopped) changes and records nothing; a
    /// participant changes it at most once a second (<c>rate_limited</c>). A participant who withdrew their research data
    /// changes nothing (<c>research_data_removed</c>, 410): the change would be a new row about them.
    /// </summary>
    Task<RecordingState> SetRecordingAsync(long userId, bool recording, CancellationToken cancellationToken = default);
}
