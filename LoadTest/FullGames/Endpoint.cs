namespace Dilemma.LoadTest.FullGames;

/// <summary>The steps of a game, in the order a game takes them; each is timed on its own.</summary>
internal sealed record Endpoint(string Name)
{
    public static readonly Endpoint Guest = new("POST /auth/guest");
    public static readonly Endpoint Create = new("POST /rooms/private");
    public static readonly Endpoint Join = new("POST /rooms/join");
    public static readonly Endpoint AssignRoles = new("POST /rooms/assign-roles/{code}");
    public static readonly Endpoint Start = new("POST /rooms/{code}/start");
    public static readonly Endpoint RoundChoice = new("POST /rooms/{code}/round-choice");
    public static readonly Endpoint Consensus = new("POST /rooms/{code}/consensus-choice");
    public static readonly Endpoint Statistics = new("GET /rooms/{code}/statistics");
    public static readonly Endpoint Signaling = new("WS /ws/signaling (join)");
    public static readonly Endpoint AwaitDrop = new("GET /rooms/{code} (until dropped)");

    public static readonly Endpoint[] All = [Guest, Create, Join, AssignRoles, Start, RoundChoice, Consensus, Statistics, Signaling, AwaitDrop];

    public int Index => Array.IndexOf(All, this);
}
