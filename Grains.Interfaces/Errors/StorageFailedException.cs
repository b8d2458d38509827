namespace Dilemma.Grains.Interfaces.Errors;

/// <summary>
/// The database answered a grain call's statement with an error that retrying does not cure (an interrupted query,
/// a broken constraint). Thrown on the silo in place of the driver's error, which Orleans cannot copy to the gateway
/// (no codec for MySqlException), so the gateway answers a 500 that names it rather than failing to read the answer.
/// </summary>
[GenerateSerializer]
[Alias("dilemma.storage-failed")]
public sealed class StorageFailedException : Exception
{
    public StorageFailedException()
    {
    }

    public StorageFailedException(string message)
        : base(message)
    {
    }

    public StorageFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
