using System.Data;
using FluentMigrator.Runner.Generators.MySql;

namespace Dilemma.Grains.Storage;

/// <summary>
/// FluentMigrator's MySQL type map with every Unicode string type in utf8mb4. Its own map writes NVARCHAR
/// and "CHARACTER SET utf8", which MySQL and MariaDB read as the three-byte utf8mb3 (no emoji, deprecated).
/// It shapes the tables FluentMigrator generates itself, such as its version table.
/// </summary>
internal sealed class Utf8Mb4TypeMap : MySql8TypeMap
{
    protected override void SetupMySqlTypeMaps()
    {
        base.SetupMySqlTypeMaps();

        SetTypeMap(DbType.StringFixedLength, "CHAR(255) CHARACTER SET utf8mb4");
        SetTypeMap(DbType.StringFixedLength, "CHAR($size) CHARACTER SET utf8mb4", StringCapacity);
        SetTypeMap(DbType.StringFixedLength, "TEXT CHARACTER SET utf8mb4", TextCapacity);
        SetTypeMap(DbType.StringFixedLength, "MEDIUMTEXT CHARACTER SET utf8mb4", MediumTextCapacity);
        SetTypeMap(DbType.StringFixedLength, "LONGTEXT CHARACTER SET utf8mb4", LongTextCapacity);
        SetTypeMap(DbType.String, "VARCHAR(255) CHARACTER SET utf8mb4");
        SetTypeMap(DbType.String, "VARCHAR($size) CHARACTER SET utf8mb4", VarcharCapacity);
        SetTypeMap(DbType.String, "TEXT CHARACTER SET utf8mb4", TextCapacity);
        SetTypeMap(DbType.String, "MEDIUMTEXT CHARACTER SET utf8mb4", MediumTextCapacity);
        SetTypeMap(DbType.String, "LONGTEXT CHARACTER SET utf8mb4", LongTextCapacity);
    }
}
