using System.Net.Sockets;
using Dilemma.Grains.Interfaces.Errors;
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

    /// <summary>
    /// The exception that crosses to the gateway in place of a database error: <see cref="StorageUnavailableException"/>
    /// for a database that could not be reached, <see cref="StorageFailedException"/> for any other database error; null
    /// when <paramref name="exception"/> is neither, or is one of those already.
    /// </summary>
    public static Exception? Translate(Exception exception) => exception switch
    {
        StorageUnavailableException or StorageFailedException => null,

        // Orleans' storage bridge wraps what a grain storage throws (StorageFailureGrainStorage's own) in an OrleansException.
        OrleansException { InnerException: StorageUnavailableException or StorageFailedException } wrapped => wrapped.InnerException,

        // The message only: the driver's exception is the one Orleans cannot copy, and the silo's own log has it.
        _ when IsUnreachableDatabase(exception) => new StorageUnavailableException("The database could not be reached: " + exception.Message),
        _ when DatabaseError(exception) is { } error => new StorageFailedException($"The database refused a statement (error {error.Number}): {error.Message}"),
        _ => null,
    };

    /// <summary>
    /// Runs <paramref name="work"/> with its database errors translated (<see cref="Translate"/>), as
    /// <see cref="StorageFailureFilter"/> does for every grain call: a grain storage operation
    /// (<see cref="StorageFailureGrainStorage"/>), and a grain's own <c>OnActivateAsync</c>, which runs before any call filter
    /// and whose error is the answer to every call that waited on the activation. Every grain that overrides
    /// <c>OnActivateAsync</c> runs its body through this.
    /// </summary>
    public static async Task TranslatedAsync(Func<Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            await work();
        }
        catch (Exception exception) when (Translate(exception) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>The database's own error inside <paramref name="exception"/>, or null when there is none.</summary>
    public static MySqlException? DatabaseError(Exception exception) => Chain(exception).OfType<MySqlException>().FirstOrDefault();

    private static bool IsUnreachable(Exception exception) => exception switch
    {
        // Transient covers a refused or lost connection, a full server and lock timeouts: all pass if retried later. So does
        // a statement stopped at its command timeout: it waited on a lock held elsewhere, or on a server too busy to answer.
        MySqlException mySql => mySql.IsTransient || mySql.ErrorCode is MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.CommandTimeoutExpired
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
