using System.Security.Cryptography;
using Dilemma.Grains.Accounts;
using Dilemma.Tests.Infrastructure;
using MySqlConnector;

namespace Dilemma.Tests.Accounts;

/// <summary>
/// One refresh token presented by several requests at once, on MariaDB: one is rotated, the next a reuse that revokes the
/// sign-in, the rest revoked; never a
/// database error (a deadlock between them surfaced as 503 in a cluster run of <c>Concurrent_use_of_one_refresh_token…</c>).
/// </summary>
public sealed class RefreshRotationTests(LocalServices services)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrent_rotations_of_one_token_rotate_it_once_and_never_fail()
    {
        var database = await services.CreateDatabaseAsync("refresh_", migrate: true, Ct);
        await using var dataSource = new MySqlDataSource(database);
        var store = new MySqlAccountStore(dataSource);
        var now = DateTime.UtcNow;
        var user = await store.UpsertGuestAsync(Guid.NewGuid().ToString("N"), "rotor", now, Ct);

        for (var attempt = 0; attempt < 40; attempt++)
        {
            var token = new RefreshTokenRecord(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(16), user.Id, now, now.AddDays(1));
            await store.AddRefreshTokenAsync(token, Ct);

            var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => store.RotateRefreshTokenAsync(
                token.TokenHash,
                presented => presented with { TokenHash = RandomNumberGenerator.GetBytes(32), IssuedAt = now },
                now,
                Ct)));

            Assert.Equal(1, outcomes.Count(o => o.Outcome == RotationOutcome.Rotated));
            // The first after it is a reuse, which revokes the family; any later one finds it revoked.
            Assert.Equal(1, outcomes.Count(o => o.Outcome == RotationOutcome.Reused));
            Assert.Equal(2, outcomes.Count(o => o.Outcome == RotationOutcome.Revoked));
        }
    }
}
