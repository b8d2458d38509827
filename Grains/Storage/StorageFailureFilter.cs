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
        catch (Exception exception) when (StorageFailure.Translate(exception) is { } translated)
        {
            throw translated;
        }
    }
}
