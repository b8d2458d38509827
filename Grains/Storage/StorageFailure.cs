using System.Net.Sockets;
using MySqlConnector;

namespace Dilemma.Grains.Storage;

/// <summary>
/// Recognises "the database could not be reached" on the silo, where the error is whole: a MySqlConnector error
/// thrown by our own stores, or the same wrapped by Orleans' grain storage bridge (an <c>OrleansException</c>
/// with the provider's error inside). Orleans has no codec for MySqlException, so it cannot cross to the gateway
/// as it is (<see cref="StorageFailureFilter"/> turns it into one that can).
/// </summary>
public static class StorageFailure
{
    public static bool IsUnreachableDatabase(Exception exception) => Chain(exception).Any(IsUnreachable);

    /// <summary>The database's own error inside <paramref name="exception"/>, or null when there is none.</summary>
    public static MySqlException? DatabaseError(Exception exception) => Chain(exception).OfType<MySqlException>().FirstOrDefault();

    private static bool IsUnreachable(Exception exception) => exception switch
    {
        // Transient covers a refused or lost connection, a full server and lock timeouts: all pass if retried later.
        MySqlException mySql => mySql.IsTransient || mySql.ErrorCode is MySqlErrorCode.UnableToConnectToHost
            || mySql.InnerException is IOException or SocketException,
        _ => false,
    };

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        while (pending.TryPop(out var current))
        {
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (current.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }
}
