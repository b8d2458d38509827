using Dilemma.Grains.Interfaces.Errors;

namespace Dilemma.Grains.Storage;

/// <summary>
/// Every grain call on a MySQL silo: a database that could not be reached leaves as a
/// <see cref="StorageUnavailableException"/>, and any other database error as a <see cref="StorageFailedException"/>;
/// both cross to the gateway, where the driver's error does not (Orleans would send a CodecNotFoundException, and the
/// gateway's log would name the codec instead of the database's error).
/// </summary>
public sealed class StorageFailureFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (exception is not StorageUnavailableException && StorageFailure.IsUnreachableDatabase(exception))
        {
            // The message only: the driver's exception is the one Orleans cannot copy, and the silo's own log has it.
            throw new StorageUnavailableException("The database could not be reached: " + exception.Message);
        }
        catch (Exception exception) when (exception is not StorageFailedException && StorageFailure.DatabaseError(exception) is { } error)
        {
            throw new StorageFailedException($"The database refused a statement (error {error.Number}): {error.Message}");
        }
    }
}
