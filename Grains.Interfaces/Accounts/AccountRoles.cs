namespace Dilemma.Grains.Interfaces.Accounts;

/// <summary>
/// The roles an account may hold. They are data (stored per account, granted by an admin or the
/// operator); access tokens carry them as <c>role</c> claims from the moment they are issued.
/// </summary>
public static class AccountRoles
{
    public const string Admin = "admin";
    public const string Researcher = "researcher";
    public const string Facilitator = "facilitator";

    /// <summary>Every role there is, in the order they are listed to clients.</summary>
    public static IReadOnlyList<string> All { get; } = [Admin, Researcher, Facilitator];

    public static bool IsKnown(string? role) => role is not null && All.Contains(role, StringComparer.Ordinal);

    /// <summary>A set of roles in the canonical order, so two equal sets always read the same.</summary>
    public static IReadOnlyList<string> Ordered(IEnumerable<string> roles)
    {
        var set = roles.ToHashSet(StringComparer.Ordinal);
        return All.Where(set.Contains).ToArray();
    }
}
