using Dilemma.Hosting.Settings;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace Dilemma.Hosting;

/// <summary>
/// How fast the cluster gives up on a silo that has died, read from the <c>Cluster</c> section.
/// Orleans' defaults (5 s probes, 30 s response timeout, a gateway list refreshed each minute)
/// suit large clusters on busy hosts; a class of players waiting on a round cannot sit through a
/// 30 s stall. docs/deploy.md explains the numbers and what they cost.
/// </summary>
public sealed class FailureDetectionSettings
{
    [Range(1, 30)]
    public int ProbeTimeoutSeconds { get; set; } = 2;

    [Range(2, 10)]
    public int MissedProbesLimit { get; set; } = 3;

    [Range(2, 120)]
    public int ResponseTimeoutSeconds { get; set; } = 8;

    [Range(1, 300)]
    public int GatewayListRefreshSeconds { get; set; } = 5;

    public TimeSpan ProbeTimeout => TimeSpan.FromSeconds(ProbeTimeoutSeconds);

    public TimeSpan ResponseTimeout => TimeSpan.FromSeconds(ResponseTimeoutSeconds);

    /// <summary>
    /// How long one statement of grain state or reminders may wait on the database: half the response timeout (at least
    /// 1 s). A row or table locked by another session (a long transaction, <c>LOCK TABLES</c>) otherwise held the grain for
    /// the driver's 30 s while every call to it timed out unanswered; stopped within the call's own time, the statement
    /// fails and the caller is told the database is unavailable. The other half is left for the call's other work.
    /// </summary>
    public TimeSpan StorageStatementTimeout => TimeSpan.FromSeconds(Math.Max(1, ResponseTimeoutSeconds / 2));

    public TimeSpan GatewayListRefreshPeriod => TimeSpan.FromSeconds(GatewayListRefreshSeconds);

    /// <summary>
    /// The membership table is re-read this often even without gossip (Orleans: 60 s); a silo that
    /// missed a gossip message learns of a death within this time.
    /// </summary>
    public static readonly TimeSpan TableRefresh = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A silo writes its heartbeat this often (Orleans: 30 s). Entries silent for three of these are
    /// stale and no longer count among the active silos whose votes are needed.
    /// </summary>
    public static readonly TimeSpan IAmAlivePublish = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A suspicion counts for this long (Orleans: 2 min): two unrelated hiccups minutes apart should
    /// not add up to a death sentence, while one real death collects its votes within seconds.
    /// </summary>
    public static readonly TimeSpan DeathVoteExpiration = TimeSpan.FromSeconds(30);

    /// <summary>Binds and checks the <c>Cluster</c> section's failure-detection values; Orleans takes them while the host is built.</summary>
    public static FailureDetectionSettings Read(IConfiguration configuration) =>
        configuration.ReadSettings<FailureDetectionSettings>(ClusterSettings.SectionName);

    /// <summary>A silo: how it probes the others, when it votes one dead, how long it waits for an answer.</summary>
    public void ApplyTo(ISiloBuilder silo)
    {
        silo.Configure<ClusterMembershipOptions>(options =>
        {
            // The probe period and timeout adapt per silo between half and four times this value
            // (Orleans' phi-accrual detector), and are stretched further when this silo itself is
            // starved (ExtendProbeTimeoutDuringDegradation, on by default).
            options.ProbeTimeout = ProbeTimeout;
            options.NumMissedProbesLimit = MissedProbesLimit;
            // Two of the watchers must agree (Orleans' default, and at most half of three silos
            // plus one); one silo stalled by a GC pause cannot evict a healthy peer on its own.
            options.NumVotesForDeathDeclaration = 2;
            options.TableRefreshTimeout = TableRefresh;
            options.IAmAliveTablePublishTimeout = IAmAlivePublish;
            options.DeathVoteExpirationTimeout = DeathVoteExpiration;
        });
        silo.Configure<SiloMessagingOptions>(options => options.ResponseTimeout = ResponseTimeout);
    }

    /// <summary>
    /// A cluster client (the gateway): calls through a gateway silo that died are not broken by
    /// membership on the client side, so the response timeout is what ends them; the silo list is
    /// re-read often so new calls stop going to a dead silo's gateway port.
    /// </summary>
    public void ApplyTo(IClientBuilder client)
    {
        client.Configure<ClientMessagingOptions>(options => options.ResponseTimeout = ResponseTimeout);
        client.Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = GatewayListRefreshPeriod);
    }
}
