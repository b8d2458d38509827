using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Ai;

/// <summary>
/// How a bot chooses with the offline provider: a rule per role, seeded by the room code, the round
/// and the role, so the same room plays the same bot choices on every silo and every run
/// (<see cref="Random(int)"/> with a seed is a fixed sequence by contract). Each role leans to an
/// option of its own (role 1 to the first, role 2 to the second, ...) and takes it three times in
/// five; otherwise the seed picks among all the round's options.
/// </summary>
public static class OfflineBotRule
{
    private const double LeanShare = 0.6;

    public static (int Choice, int Confidence) Choose(string roomCode, int roundNumber, int roleId, int optionCount)
    {
        var random = new Random(Seed(roomCode, roundNumber, roleId));
        var leaning = (roleId - RoomRules.MinRole) % optionCount;
        var choice = random.NextDouble() < LeanShare ? leaning : random.Next(optionCount);
        var confidence = random.Next(RoomRules.MinConfidence, RoomRules.MaxConfidence + 1);
        return (choice, confidence);
    }

    // Not string.GetHashCode: that one is randomized per process, and the seed must not be.
    private static int Seed(string roomCode, int roundNumber, int roleId)
    {
        var seed = 17;
        foreach (var c in roomCode)
        {
            seed = unchecked((seed * 31) + c);
        }

        return unchecked((((seed * 31) + roundNumber) * 31) + roleId);
    }
}
