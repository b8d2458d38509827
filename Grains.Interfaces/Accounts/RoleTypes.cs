namespace Dilemma.Grains.Interfaces.Accounts;

/// <summary>An account's roles as stored now.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.user-roles")]
public sealed record UserRoles(
    [property: Id(0)] long UserId,
    [property: Id(1)] string Username,
    [property: Id(2)] IReadOnlyList<string> Roles);

/// <summary>
/// One row of the role audit: a role granted to or revoked from <see cref="UserId"/>. An admin's
/// change names them (<see cref="ChangedByUserId"/>); the operator's command and the embedded
/// setup code have no user id and say so in <see cref="ChangedBy"/>.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.role-change")]
public sealed record RoleChange(
    [property: Id(0)] long UserId,
    [property: Id(1)] string Role,
    [property: Id(2)] bool Granted,
    [property: Id(3)] long? ChangedByUserId,
    [property: Id(4)] string ChangedBy,
    [property: Id(5)] DateTimeOffset ChangedAt);
