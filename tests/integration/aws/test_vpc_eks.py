"""Role vpc_eks against moto in server mode (a test double for AWS, not AWS).

Each test converges a small playbook from tests/integration/aws/playbooks/, then checks what exists with
boto3 describe calls (never with the play's own output): converge from nothing, converge again with
changed=0, --check on a fresh or converged account, state=absent leaving nothing tagged, and refusal of
same-name resources without the ownership tag. Expected values come from scenarios.md (quoted in comments).
"""

import ipaddress

import pytest

from tests.support.playbook import run_playbook

pytestmark = [pytest.mark.aws, pytest.mark.slow]

OWNER_KEY = "eks_llm.inference/cluster"
# A distinctive fake secret so that the output grep cannot match anything else.
FAKE_SECRET = "fake-secret-Zq7XvK2mP9wR4tY8"
PB_000 = "tests/integration/aws/playbooks/vpc_eks_000.yml"
PB_001 = "tests/integration/aws/playbooks/vpc_eks_001.yml"


@pytest.fixture()
def secret_env(aws, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    return aws


def play(playbook, check=False, state="present", extra=None, args=()):
    extra_vars = {"vpc_eks_state": state}
    extra_vars.update(extra or {})
    # `-i localhost,`: no inventory value (rehearsal group_vars) leaks into the test.
    return run_playbook(playbook, extra_vars=extra_vars, inventory="localhost,", check=check, args=args, timeout=900)


def ok(result):
    assert result.returncode == 0, result.output[-6000:]
    return result


def tags_of(items):
    return dict((t["Key"], t["Value"]) for t in items or [])


# --- what exists, seen by boto3 -----------------------------------------------------------------


def owned_resources(session, region, cluster):
    """ARNs carrying the ownership tag, from the Resource Groups Tagging API plus per-service describes
    for what moto's tagging API does not index (EKS, ECR, IAM). NAT gateways in state `deleted` stay
    listed (as on AWS, for about an hour) and are not counted."""
    found = []
    tagging = session.client("resourcegroupstaggingapi", region_name=region)
    pages = tagging.get_paginator("get_resources").paginate(TagFilters=[{"Key": OWNER_KEY, "Values": [cluster]}])
    arns = [r["ResourceARN"] for page in pages for r in page["ResourceTagMappingList"]]
    ec2 = session.client("ec2", region_name=region)
    for arn in arns:
        if ":natgateway/" in arn:
            nat_id = arn.rsplit("/", 1)[1]
            state = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"]
            if state in ("deleted", "deleting"):
                continue
        found.append(arn)
    eks = session.client("eks", region_name=region)
    for name in eks.list_clusters()["clusters"]:
        cl = eks.describe_cluster(name=name)["cluster"]
        if cl.get("tags", {}).get(OWNER_KEY) == cluster:
            found.append(cl["arn"])
    ecr = session.client("ecr", region_name=region)
    for repo in ecr.describe_repositories()["repositories"]:
        if tags_of(ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]).get(OWNER_KEY) == cluster:
            found.append(repo["repositoryArn"])
    iam = session.client("iam", region_name=region)
    for role in iam.list_roles()["Roles"]:
        if tags_of(iam.list_role_tags(RoleName=role["RoleName"])["Tags"]).get(OWNER_KEY) == cluster:
            found.append(role["Arn"])
    return found


def nothing_created(session, region):
    """No non-default VPC, cluster, role, bucket, log group, file system or repository exists."""
    ec2 = session.client("ec2", region_name=region)
    return dict(
        vpcs=[v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")],
        clusters=session.client("eks", region_name=region).list_clusters()["clusters"],
        roles=[r["RoleName"] for r in session.client("iam", region_name=region).list_roles()["Roles"]],
        buckets=[b["Name"] for b in session.client("s3", region_name=region).list_buckets()["Buckets"]],
        log_groups=[g["logGroupName"] for g in session.client("logs", region_name=region).describe_log_groups()["logGroups"]],
        file_systems=session.client("efs", region_name=region).describe_file_systems()["FileSystems"],
        repositories=session.client("ecr", region_name=region).describe_repositories()["repositories"],
        nat_gateways=[n for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] != "deleted"],
    )


def assert_empty(session, region):
    left = nothing_created(session, region)
    assert left == dict(vpcs=[], clusters=[], roles=[], buckets=[], log_groups=[], file_systems=[], repositories=[], nat_gateways=[])


def vpc_of(ec2, cluster):
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:" + OWNER_KEY, "Values": [cluster]}])["Vpcs"]
    assert len(vpcs) == 1, vpcs
    return vpcs[0]


def subnets_of(ec2, vpc_id):
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    private = sorted((s for s in subnets if "kubernetes.io/role/internal-elb" in tags_of(s.get("Tags"))), key=lambda s: s["CidrBlock"])
    public = sorted((s for s in subnets if "kubernetes.io/role/elb" in tags_of(s.get("Tags"))), key=lambda s: s["CidrBlock"])
    assert len(private) + len(public) == len(subnets), subnets
    return private, public


def assert_routes(ec2, vpc_id, public, private, nat_ids, igw_id):
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    by_subnet = {}
    for table in tables:
        for assoc in table.get("Associations", []):
            if assoc.get("SubnetId"):
                by_subnet[assoc["SubnetId"]] = table
    for subnet in public:
        routes = by_subnet[subnet["SubnetId"]]["Routes"]
        assert any(r.get("DestinationCidrBlock") == "0.0.0.0/0" and r.get("GatewayId") == igw_id for r in routes)
    for subnet in private:
        routes = by_subnet[subnet["SubnetId"]]["Routes"]
        assert any(r.get("DestinationCidrBlock") == "0.0.0.0/0" and r.get("NatGatewayId") in nat_ids for r in routes)


def assert_role_policies(iam, name, policies):
    attached = sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"])
    assert attached == sorted(policies)
    assert tags_of(iam.list_role_tags(RoleName=name)["Tags"]).get(OWNER_KEY)


# --- scenario 000 --------------------------------------------------------------------------------


def test_scenario_000_lifecycle(secret_env, boto3_session):
    region, cluster = "us-west-2", "eks-llm"  # scenarios.md: seed 000 §vpc_eks
    session = boto3_session

    # --check on a fresh account: nothing is created.
    checked = ok(play(PB_000, check=True))
    assert_empty(session, region)

    first = ok(play(PB_000, args=("-v",)))
    assert first.total("changed") > 0

    ec2 = session.client("ec2", region_name=region)
    vpc = vpc_of(ec2, cluster)
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert tags_of(vpc["Tags"]) == {"Name": "eks-llm-vpc", OWNER_KEY: cluster, "project": "eks-llm"}
    private, public = subnets_of(ec2, vpc["VpcId"])
    # scenarios.md: seed 000 §vpc_eks - "With 3 AZs: private 10.0.0.0/19, 10.0.32.0/19, 10.0.64.0/19;
    # public 10.0.128.0/19, 10.0.160.0/19, 10.0.192.0/19".
    assert [s["CidrBlock"] for s in private] == ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"]
    assert [s["CidrBlock"] for s in public] == ["10.0.128.0/19", "10.0.160.0/19", "10.0.192.0/19"]
    assert sorted(s["AvailabilityZone"] for s in private) == ["us-west-2a", "us-west-2b", "us-west-2c"]
    for subnet in private + public:
        tags = tags_of(subnet["Tags"])
        assert tags["kubernetes.io/cluster/eks-llm"] == "shared"
        assert tags[OWNER_KEY] == cluster
    assert all(s["MapPublicIpOnLaunch"] for s in public)
    igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])["InternetGateways"]
    assert len(igws) == 1 and tags_of(igws[0]["Tags"])[OWNER_KEY] == cluster
    nats = [n for n in ec2.describe_nat_gateways(Filter=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["NatGateways"]
            if n["State"] == "available"]
    # scenarios.md: seed 000 §vpc_eks - single_nat_gateway = true.
    assert len(nats) == 1 and nats[0]["SubnetId"] in [s["SubnetId"] for s in public]
    assert tags_of(nats[0]["Tags"])[OWNER_KEY] == cluster
    eips = ec2.describe_addresses(AllocationIds=[nats[0]["NatGatewayAddresses"][0]["AllocationId"]])["Addresses"]
    assert tags_of(eips[0].get("Tags"))[OWNER_KEY] == cluster
    assert_routes(ec2, vpc["VpcId"], public, private, [nats[0]["NatGatewayId"]], igws[0]["InternetGatewayId"])

    eks = session.client("eks", region_name=region)
    assert eks.list_clusters()["clusters"] == [cluster]
    cl = eks.describe_cluster(name=cluster)["cluster"]
    assert cl["version"] == "1.30"  # scenarios.md: seed 000 §vpc_eks (upstream cluster_version)
    assert cl["tags"][OWNER_KEY] == cluster
    assert sorted(cl["resourcesVpcConfig"]["subnetIds"]) == sorted(s["SubnetId"] for s in private)
    # scenarios.md: seed 000 §vpc_eks - cluster_endpoint_private_access = true, public_access = true.
    assert cl["resourcesVpcConfig"]["endpointPublicAccess"] is True
    assert cl["resourcesVpcConfig"]["endpointPrivateAccess"] is True
    enabled = sorted(t for s in cl["logging"]["clusterLogging"] if s["enabled"] for t in s["types"])
    assert enabled == ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    ng = eks.describe_nodegroup(clusterName=cluster, nodegroupName="core")["nodegroup"]
    # scenarios.md: seed 000 §gpu_nodegroup - core: 2 x m6i.large, min = max = desired = 2.
    assert ng["scalingConfig"] == {"minSize": 2, "maxSize": 2, "desiredSize": 2}
    lt = ec2.describe_launch_template_versions(
        LaunchTemplateName=ng["launchTemplate"]["name"], Versions=[ng["launchTemplate"]["version"]]
    )["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    assert ng["instanceTypes"] == ["m6i.large"]
    assert "InstanceType" not in lt
    assert lt["MetadataOptions"]["HttpTokens"] == "required"
    assert ng["tags"][OWNER_KEY] == cluster

    iam = session.client("iam", region_name=region)
    assert_role_policies(iam, "eks-llm-eks-cluster", ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"])
    assert_role_policies(iam, "eks-llm-eks-node", [
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    ])
    s3 = session.client("s3", region_name=region)
    (bucket,) = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert bucket.startswith("eks-llm-triton-")  # scenarios.md: seed 000 §triton_vllm - bucket prefix `<name>-triton-`
    assert tags_of(s3.get_bucket_tagging(Bucket=bucket)["TagSet"])[OWNER_KEY] == cluster
    logs = session.client("logs", region_name=region)
    groups = logs.describe_log_groups()["logGroups"]
    # scenarios.md: seed 000 §logging - /aws/eks/<cluster>/workload, retention 1 day.
    assert [(g["logGroupName"], g.get("retentionInDays")) for g in groups] == [("/aws/eks/eks-llm/workload", 1)]
    assert logs.list_tags_log_group(logGroupName="/aws/eks/eks-llm/workload")["tags"][OWNER_KEY] == cluster
    assert session.client("efs", region_name=region).describe_file_systems()["FileSystems"] == []
    assert session.client("ecr", region_name=region).describe_repositories()["repositories"] == []

    second = ok(play(PB_000))
    assert second.total("changed") == 0, second.output[-6000:]
    again_checked = ok(play(PB_000, check=True))
    assert again_checked.total("changed") == 0, again_checked.output[-6000:]

    removed = ok(play(PB_000, state="absent"))
    assert removed.total("changed") > 0
    assert owned_resources(session, region, cluster) == []
    assert_empty(session, region)
    removed_again = ok(play(PB_000, state="absent"))
    assert removed_again.total("changed") == 0, removed_again.output[-6000:]

    for result in (checked, first, second, again_checked, removed, removed_again):
        assert FAKE_SECRET not in result.output


# --- scenario 001 --------------------------------------------------------------------------------


def test_scenario_001_lifecycle(secret_env, boto3_session):
    region, cluster = "us-east-1", "trtllm-inference-cluster"  # scenarios.md: seed 003 §vpc_eks
    session = boto3_session

    checked = ok(play(PB_001, check=True))
    assert_empty(session, region)

    first = ok(play(PB_001))
    ec2 = session.client("ec2", region_name=region)
    vpc = vpc_of(ec2, cluster)
    private, public = subnets_of(ec2, vpc["VpcId"])
    assert len(private) == 2 and len(public) == 2
    net = ipaddress.ip_network("10.20.0.0/16")
    assert all(ipaddress.ip_network(s["CidrBlock"]).subnet_of(net) for s in private + public)
    nats = [n for n in ec2.describe_nat_gateways(Filter=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["NatGateways"]
            if n["State"] == "available"]
    # per_az: one NAT gateway in each public subnet.
    assert sorted(n["SubnetId"] for n in nats) == sorted(s["SubnetId"] for s in public)

    efs = session.client("efs", region_name=region)
    file_systems = efs.describe_file_systems()["FileSystems"]
    assert len(file_systems) == 1
    fs_id = file_systems[0]["FileSystemId"]
    assert tags_of(efs.list_tags_for_resource(ResourceId=fs_id)["Tags"])[OWNER_KEY] == cluster
    targets = efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"]
    # scenarios.md: seed 001 §vpc_eks - "File system mount targets in the node subnets".
    assert sorted(t["SubnetId"] for t in targets) == sorted(s["SubnetId"] for s in private)
    sgs = set(g for t in targets for g in efs.describe_mount_target_security_groups(MountTargetId=t["MountTargetId"])["SecurityGroups"])
    assert len(sgs) == 1
    sg = ec2.describe_security_groups(GroupIds=list(sgs))["SecurityGroups"][0]
    assert any(
        p["IpProtocol"] == "tcp" and p["FromPort"] == 2049 and p["ToPort"] == 2049
        and [r["CidrIp"] for r in p["IpRanges"]] == ["10.20.0.0/16"]
        for p in sg["IpPermissions"]
    )
    ecr = session.client("ecr", region_name=region)
    repos = ecr.describe_repositories()["repositories"]
    assert [r["repositoryName"] for r in repos] == ["triton-trtllm"]
    assert tags_of(ecr.list_tags_for_resource(resourceArn=repos[0]["repositoryArn"])["tags"])[OWNER_KEY] == cluster
    iam = session.client("iam", region_name=region)
    assert_role_policies(iam, "trtllm-inference-cluster-efs-csi", ["arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"])
    assert session.client("s3", region_name=region).list_buckets()["Buckets"] == []
    assert session.client("logs", region_name=region).describe_log_groups()["logGroups"] == []

    second = ok(play(PB_001))
    assert second.total("changed") == 0, second.output[-6000:]

    removed = ok(play(PB_001, state="absent"))
    assert owned_resources(session, region, cluster) == []
    assert_empty(session, region)
    removed_again = ok(play(PB_001, state="absent"))
    assert removed_again.total("changed") == 0, removed_again.output[-6000:]
    for result in (checked, first, second, removed, removed_again):
        assert FAKE_SECRET not in result.output


# --- ownership refusal ---------------------------------------------------------------------------


def _make_foreign(session, kind):
    """Create a same-name resource WITHOUT the ownership tag (scenario-000 names, us-west-2)."""
    region = "us-west-2"
    ec2 = session.client("ec2", region_name=region)
    if kind == "vpc":
        vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]
        ec2.create_tags(Resources=[vpc["VpcId"]], Tags=[{"Key": "Name", "Value": "eks-llm-vpc"}])
        return "VPC eks-llm-vpc"
    if kind == "log_group":
        session.client("logs", region_name=region).create_log_group(logGroupName="/aws/eks/eks-llm/workload")
        return "log group /aws/eks/eks-llm/workload"
    if kind == "iam_role":
        session.client("iam", region_name=region).create_role(
            RoleName="eks-llm-eks-node", AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}'
        )
        return "IAM role eks-llm-eks-node"
    if kind == "cluster":
        vpc = ec2.create_vpc(CidrBlock="10.98.0.0/16")["Vpc"]
        subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.98.0.0/24")["Subnet"]
        session.client("eks", region_name=region).create_cluster(
            name="eks-llm", roleArn="arn:aws:iam::123456789012:role/someone-else",
            resourcesVpcConfig={"subnetIds": [subnet["SubnetId"]]}, tags={"team": "other"},
        )
        return "EKS cluster eks-llm"
    raise AssertionError(kind)


@pytest.mark.parametrize("state", ["present", "absent"])
@pytest.mark.parametrize("kind", ["vpc", "log_group", "iam_role", "cluster"])
def test_refuses_untagged_same_name_resource(aws, boto3_session, kind, state):
    before_foreign = _make_foreign(boto3_session, kind)
    before = nothing_created(boto3_session, "us-west-2")
    result = play(PB_000, state=state)
    assert result.returncode != 0
    assert "Refusing to" in result.output
    assert before_foreign in result.output
    assert "eks_llm.inference/cluster" in result.output
    # Nothing changed: the same resources exist as before, none carries the ownership tag.
    assert nothing_created(boto3_session, "us-west-2") == before
    assert owned_resources(boto3_session, "us-west-2", "eks-llm") == []
    assert result.total("changed") == 0
