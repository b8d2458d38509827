namespace Dilemma.Grains.Interfaces.Errors;

/// <summary>
/// The database could not be reached while a grain call ran. Thrown on the silo in place of the driver's
/// error, which Orleans cannot copy to the gateway (no codec for MySqlException), so the gateway can answer 503.
/// </summary>
[GenerateSerializer]
[Alias("dilemma.storage-unavailable")]
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
