using Dilemma.Grains.Interfaces.Errors;

namespace Dilemma.Grains.Storage;

/// <summary>
/// Every grain call on a MySQL silo: a database that could not be reached leaves as a
/// <see cref="StorageUnavailableException"/>, which crosses to the gateway, instead of the driver's error, which
/// does not (Orleans would send a CodecNotFoundException and the gateway could only answer 500).
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
    }
}
