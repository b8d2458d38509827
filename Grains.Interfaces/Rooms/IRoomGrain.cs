namespace Dilemma.Grains.Interfaces.Rooms;

/// <summary>
/// One room, keyed by its six-digit code: its game (<see cref="IRoomGame"/>) and its live presence
/// (<see cref="IRoomPresence"/>) in one activation, so a socket that drops and the round it drops in
/// are decided together. Callers depend on the narrow interface they use.
/// </summary>
public interface IRoomGrain : IRoomGame, IRoomPresence
{
}
