namespace Dilemma.Grains.Interfaces.Sessions;

/// <summary>
/// A gateway connection that holds a facilitator's live monitor of a session. One-way: the session never waits on a socket.
/// </summary>
public interface ISessionObserver : IGrainObserver
{
    /// <summary>A facilitator action was audited: from now on it is in the session's action log.</summary>
    void OnFacilitatorAction(FacilitatorActionEntry entry);
}
