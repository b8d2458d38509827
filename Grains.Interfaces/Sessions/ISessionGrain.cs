using Orleans.Concurrency;

namespace Dilemma.Grains.Interfaces.Sessions;

/// <summary>
/// One classroom or study session, keyed by its join code: the one place its pool, grouping and rooms
/// are decided. Only its facilitator (holding the <c>facilitator</c> role) and admins act on it
/// (<c>not_facilitator</c>, 403); anyone signed in may enrol with the code.
/// </summary>
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Opens the session with the caller as facilitator; <c>session_exists</c> (409) when the code is in use.</summary>
    Task<SessionView> CreateAsync(SessionCaller caller, SessionSettings settings, CancellationToken cancellationToken = default);

    /// <summary>The session, for its facilitator and admins; <c>session_not_found</c> (404) for an unknown code.</summary>
    [ReadOnly]
    Task<SessionView> GetAsync(SessionCaller caller, CancellationToken cancellationToken = default);

    /// <summary>
    /// Enrols a participant. Before the start they wait in the pool; after it they are seated in the session's waiting
    /// room, which starts when it has three. The session's consent version must have been accepted, now or before
    /// (<c>consent_required</c>, 403); an unpublished one is <c>unknown_consent_version</c> (422). Again: the same seat, the
    /// body checked and its consents recorded as the first time; a new nickname or attribute applies in the pool, and once
    /// seated a different one is <c>already_seated</c> (409).
    /// </summary>
    Task<SessionSeat> EnrolAsync(long userId, SessionEnrolment enrolment, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes a participant out of the pool before they are seated, so the start does not seat someone who has gone
    /// (and leave the two beside them waiting). Not enrolled: nothing to do. Seated already: <c>already_seated</c> (409).
    /// </summary>
    Task LeavePoolAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Groups the pool into rooms of three (at random, or spread by the enrolment attribute), opens them
    /// with the session's settings, deals roles and starts them together; the one or two left over follow
    /// the session's remainder rule. <c>session_started</c> (409) the second time, <c>pool_empty</c> (409) with nobody enrolled.
    /// </summary>
    Task<SessionView> StartAsync(SessionCaller caller, bool balanceByAttribute, CancellationToken cancellationToken = default);

    /// <summary>
    /// A facilitator action (<see cref="FacilitatorActionKind"/>) on one room of the session or on all of them,
    /// audited in <c>facilitator_actions</c> once it took effect, and then pushed to the session's monitors (<see cref="WatchAsync"/>).
    /// A room not of this session is <c>room_not_found</c> (404).
    /// </summary>
    Task<SessionView> ActAsync(SessionCaller caller, FacilitatorAction action, CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers a facilitator's monitor connection (facilitator and admins only): it hears
    /// <see cref="ISessionObserver.OnFacilitatorAction"/> once each action is audited. Connections renew by calling again
    /// within two minutes. Answers the session as it is now, and whether this connection was registered already.
    /// </summary>
    Task<SessionWatch> WatchAsync(SessionCaller caller, string connectionId, ISessionObserver observer, CancellationToken cancellationToken = default);

    /// <summary>The monitor's connection closed; unknown connections change nothing.</summary>
    Task UnwatchAsync(string connectionId, CancellationToken cancellationToken = default);

    /// <summary>The session's statistics across its rooms, computed from the rooms' own state; facilitator and admins only.</summary>
    [ReadOnly]
    Task<SessionResults> GetResultsAsync(SessionCaller caller, CancellationToken cancellationToken = default);

    /// <summary>The session's audited facilitator actions, oldest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<FacilitatorActionEntry>> GetActionsAsync(SessionCaller caller, CancellationToken cancellationToken = default);
}
