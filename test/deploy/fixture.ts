/**
 * What examples/existing-infrastructure and examples/secrets-manager expect to exist before they
 * are applied, created in the harness's emulator: a VPC with two private subnets, the
 * database's security group, the role on the throwaway PostgreSQL, an alarm topic, and
 * - existing-infrastructure: the role's password in a SecureString parameter and an ECS
 *   cluster with a Fargate service whose task definition reads that parameter;
 * - secrets-manager: the role's credentials in an RDS-format secret and an ECS cluster (the
 *   example creates the service that reads the secret).
 * Plus each example's variables, pointing it at all of it.
 */
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { randomBytes } from "node:crypto";
import { ecs, putSecureString } from "../integration/support/aws";
import {
  createCluster,
  createService,
  registerTaskDefinition,
} from "../integration/support/ecs-emulator";
import { uniqueName, type Harness } from "../support/harness";

export interface ExistingInfrastructure {
  readonly role: string;
  readonly initialPassword: string;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly dbSecurityGroupId: string;
  readonly passwordParameter: string;
  /** Not created here: the function creates it on its first rotation. */
  readonly databaseUrlParameter: string;
  readonly cluster: string;
  readonly service: string;
  readonly alarmTopicArn: string;
  /** The example's variables (terraform.tfvars.json). */
  readonly variables: Record<string, unknown>;
}

interface Network {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly dbSecurityGroupId: string;
}

/** A VPC with two private subnets and the database's security group. */
async function createNetwork(h: Harness, name: string, cidr16: string): Promise<Network> {
  const ec2 = new EC2Client({});
  try {
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: `${cidr16}.0.0/16` }));
    const vpcId = Vpc?.VpcId ?? "";
    const subnetIds: string[] = [];
    for (const [index, zone] of ["a", "b"].entries()) {
      const { Subnet } = await ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: `${cidr16}.${index}.0/24`,
          AvailabilityZone: `${h.aws.region}${zone}`,
        }),
      );
      subnetIds.push(Subnet?.SubnetId ?? "");
    }
    const { GroupId: dbSecurityGroupId = "" } = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `${name}-db`,
        Description: "database",
        VpcId: vpcId,
      }),
    );
    return { vpcId, subnetIds, dbSecurityGroupId };
  } finally {
    ec2.destroy();
  }
}

async function createAlarmTopic(name: string): Promise<string> {
  const sns = new SNSClient({});
  try {
    const { TopicArn = "" } = await sns.send(new CreateTopicCommand({ Name: `${name}-alarms` }));
    return TopicArn;
  } finally {
    sns.destroy();
  }
}

/** The variables both examples take: the network, and the database the function logs in to. */
function sharedVariables(h: Harness, network: Network, role: string): Record<string, unknown> {
  return {
    region: h.aws.region,
    vpc_id: network.vpcId,
    private_subnet_ids: network.subnetIds,
    db_security_group_id: network.dbSecurityGroupId,
    // The name in the server certificate: the function verifies TLS as it would on RDS.
    db_host: h.host,
    db_port: h.port,
    db_name: h.database,
    db_username: role,
    db_ca_bundle_file: h.caFile,
  };
}

/** A login role on the throwaway PostgreSQL with a random password, kept only in memory. */
async function createLoginRole(h: Harness, prefix: string) {
  const role = uniqueName(prefix);
  // The server receives a SCRAM verifier; the value lives only here and in the store.
  const initialPassword = randomBytes(24).toString("base64url");
  await h.createLoginRole(role, initialPassword);
  return { role, initialPassword };
}

export async function createExistingInfrastructure(h: Harness): Promise<ExistingInfrastructure> {
  const name = uniqueName("deploy");
  const { vpcId, subnetIds, dbSecurityGroupId } = await createNetwork(h, name, "10.77");
  const { role, initialPassword } = await createLoginRole(h, "deploy_app");
  const passwordParameter = `/${name}/db/password`;
  await putSecureString(passwordParameter, initialPassword);

  const cluster = name;
  const service = "app";
  await createCluster(ecs(), cluster);
  const taskDefinition = await registerTaskDefinition(ecs(), `${name}-app`, [
    { name: "DB_PASSWORD", valueFrom: passwordParameter },
  ]);
  await createService(ecs(), cluster, {
    name: service,
    taskDefinition,
    awsvpc: { subnets: subnetIds, securityGroups: [dbSecurityGroupId] },
  });

  const alarmTopicArn = await createAlarmTopic(name);

  const databaseUrlParameter = `/${name}/db/database-url`;
  return {
    role,
    initialPassword,
    vpcId,
    subnetIds,
    dbSecurityGroupId,
    passwordParameter,
    databaseUrlParameter,
    cluster,
    service,
    alarmTopicArn,
    variables: {
      ...sharedVariables(h, { vpcId, subnetIds, dbSecurityGroupId }, role),
      password_parameter_name: passwordParameter,
      database_url_parameter_name: databaseUrlParameter,
      ecs_cluster_name: cluster,
      ecs_service_names: [service],
      alarm_topic_arn: alarmTopicArn,
    },
  };
}

export interface SecretsManagerInfrastructure {
  readonly role: string;
  readonly initialPassword: string;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly dbSecurityGroupId: string;
  /** The RDS-format secret holding the role's current credentials. */
  readonly secretArn: string;
  readonly cluster: string;
  readonly alarmTopicArn: string;
  /** The example's variables (terraform.tfvars.json). */
  readonly variables: Record<string, unknown>;
}

/**
 * What examples/secrets-manager expects to exist: the network, the role with its RDS-format
 * secret in Secrets Manager, the ECS cluster (the example creates the service that reads the
 * secret) and an alarm topic.
 */
export async function createSecretsManagerInfrastructure(
  h: Harness,
): Promise<SecretsManagerInfrastructure> {
  const name = uniqueName("deploy_sm");
  const { vpcId, subnetIds, dbSecurityGroupId } = await createNetwork(h, name, "10.78");
  const { role, initialPassword } = await createLoginRole(h, "deploy_sm_app");
  const secrets = new SecretsManagerClient({});
  const { ARN: secretArn = "" } = await secrets.send(
    new CreateSecretCommand({
      Name: `${name}/db`,
      SecretString: JSON.stringify({
        engine: "postgres",
        host: h.host,
        port: h.port,
        dbname: h.database,
        username: role,
        password: initialPassword,
      }),
    }),
  );
  secrets.destroy();
  const cluster = name;
  await createCluster(ecs(), cluster);
  const alarmTopicArn = await createAlarmTopic(name);
  return {
    role,
    initialPassword,
    vpcId,
    subnetIds,
    dbSecurityGroupId,
    secretArn,
    cluster,
    alarmTopicArn,
    variables: {
      ...sharedVariables(h, { vpcId, subnetIds, dbSecurityGroupId }, role),
      secret_arn: secretArn,
      ecs_cluster_name: cluster,
      alarm_topic_arn: alarmTopicArn,
    },
  };
}
