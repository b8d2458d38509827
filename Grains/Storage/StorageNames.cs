namespace Dilemma.Grains.Storage;

/// <summary>Names of the Orleans grain storage providers the grains ask for.</summary>
public static class StorageNames
{
    /// <summary>Live game state (rooms and peers): MySQL in cluster mode, memory in embedded mode.</summary>
    public const string Game = "game";
}
