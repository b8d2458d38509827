using Dilemma.Grains.Interfaces.Errors;

namespace Dilemma.Gateway.Realtime;

/// <summary>
/// Failures of a socket's renewal that a reconnect mends: a silo that died mid-call, a call that timed out or was
/// turned away, a database out of reach while a grain activated again. The renewal is what registers the socket with
/// the grains where they are activated now; one that failed leaves it registered nowhere, so the socket is closed with
/// 1013 and its client reconnects (with backoff) rather than hold a socket nothing reaches.
/// </summary>
internal static class ClusterFaults
{
    public static bool MendedByReconnecting(Exception exception) =>
        exception is OrleansException or TimeoutException or StorageUnavailableException or StorageFailedException;
}
