"""Role eks_llm.inference.gpu_nodegroup against moto in server mode (a test double for AWS).

The prerequisites vpc_eks would create (VPC, tagged private subnets, EKS cluster and its cluster
security group) are made here with boto3, so these tests do not depend on that role. Expected values
come from the scenario fact sheet (shared/specs/scenarios.md), the AWS documentation (EFA interface
counts) and the botocore EKS service model (AMI types, taint effects), and are read back from moto
with boto3 describe calls, never from the role's own output.
"""

import json

import pytest

from tests.support.playbook import run_playbook

pytestmark = pytest.mark.aws

PLAYBOOKS = "tests/integration/aws/playbooks/"
OWNER_TAG = "eks_llm.inference/cluster"
REGION = "us-west-2"
AZS = ["us-west-2a", "us-west-2b", "us-west-2c"]


def make_cluster_prerequisites(session, cluster_name, version):
    """What vpc_eks leaves behind: a VPC, three private and one public subnet, the EKS cluster."""
    ec2 = session.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    private = []
    for index, az in enumerate(AZS):
        subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.%d.0/19" % (index * 32), AvailabilityZone=az)[
            "Subnet"
        ]["SubnetId"]
        ec2.create_tags(
            Resources=[subnet_id],
            Tags=[
                {"Key": "kubernetes.io/role/internal-elb", "Value": "1"},
                {"Key": OWNER_TAG, "Value": cluster_name},
            ],
        )
        private.append(subnet_id)
    public = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.128.0/19", AvailabilityZone=AZS[0])["Subnet"]["SubnetId"]
    ec2.create_tags(
        Resources=[public],
        Tags=[{"Key": "kubernetes.io/role/elb", "Value": "1"}, {"Key": OWNER_TAG, "Value": cluster_name}],
    )
    # EKS creates this group itself and names/tags it like this; moto's EKS does not, so we do.
    cluster_sg = ec2.create_security_group(
        GroupName="eks-cluster-sg-%s-123456789" % cluster_name, Description="EKS cluster SG", VpcId=vpc_id
    )["GroupId"]
    ec2.create_tags(Resources=[cluster_sg], Tags=[{"Key": "kubernetes.io/cluster/%s" % cluster_name, "Value": "owned"}])
    iam = session.client("iam")
    role_arn = iam.create_role(
        RoleName="%s-cluster" % cluster_name,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    session.client("eks").create_cluster(
        name=cluster_name,
        version=version,
        roleArn=role_arn,
        resourcesVpcConfig={"subnetIds": private},
        tags={OWNER_TAG: cluster_name},
    )
    return dict(vpc_id=vpc_id, private=private, public=public, cluster_sg=cluster_sg)


def tagged_resources(session, cluster_name):
    """Everything in the moto account that carries the ownership tag, except what the fixture made."""
    found = []
    ec2 = session.client("ec2")
    owner = [{"Name": "tag:%s" % OWNER_TAG, "Values": [cluster_name]}]
    found += ["sg:" + g["GroupName"] for g in ec2.describe_security_groups(Filters=owner)["SecurityGroups"]]
    found += ["lt:" + t["LaunchTemplateName"] for t in ec2.describe_launch_templates(Filters=owner)["LaunchTemplates"]]
    # No placement groups: moto 5.2.5 does not implement DescribePlacementGroups (see PLACEMENT_STAND_IN).
    iam = session.client("iam")
    for role in iam.list_roles()["Roles"]:
        tags = dict((t["Key"], t["Value"]) for t in iam.list_role_tags(RoleName=role["RoleName"])["Tags"])
        if tags.get(OWNER_TAG) == cluster_name:
            found.append("role:" + role["RoleName"])
    for profile in iam.list_instance_profiles()["InstanceProfiles"]:
        tags = dict(
            (t["Key"], t["Value"])
            for t in iam.list_instance_profile_tags(InstanceProfileName=profile["InstanceProfileName"])["Tags"]
        )
        if tags.get(OWNER_TAG) == cluster_name:
            found.append("instance-profile:" + profile["InstanceProfileName"])
    sqs = session.client("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        if sqs.list_queue_tags(QueueUrl=url).get("Tags", {}).get(OWNER_TAG) == cluster_name:
            found.append("queue:" + url.rsplit("/", 1)[-1])
    eks = session.client("eks")
    for name in eks.list_nodegroups(clusterName=cluster_name)["nodegroups"]:
        ng = eks.describe_nodegroup(clusterName=cluster_name, nodegroupName=name)["nodegroup"]
        if ng.get("tags", {}).get(OWNER_TAG) == cluster_name:
            found.append("nodegroup:" + name)
    return sorted(found)


# moto does not implement the EC2 placement-group API, so the EFA playbook sets
# gpu_nodegroup_placement_group_enabled: false; the Placement data of the launch template is covered by
# tests/unit/plugins/module_utils/test_aws_launch_template.py and tests/unit/plugins/modules/test_eks_nodegroup.py.
PLACEMENT_STAND_IN = "[stand-in] moto 5.2.5 lacks EC2 placement groups: placement group not exercised"


def converge(playbook, check=False, **extra):
    result = run_playbook(PLAYBOOKS + playbook, extra_vars=extra or None, check=check)
    assert result.returncode == 0, result.output[-6000:]
    return result


# ---- scenario 000: 4 × g4dn.xlarge, labelled and tainted -----------------------------------------


def test_scenario_000_converges_idempotently_and_is_removed(boto3_session):
    make_cluster_prerequisites(boto3_session, "eks-llm", "1.30")
    eks = boto3_session.client("eks")

    first = converge("gpu_nodegroup_000.yml")
    assert first.total("changed") > 0

    assert eks.list_nodegroups(clusterName="eks-llm")["nodegroups"] == ["gpu"]
    ng = eks.describe_nodegroup(clusterName="eks-llm", nodegroupName="gpu")["nodegroup"]
    # scenarios.md: seed 000 §gpu_nodegroup — 4 × g4dn.xlarge, 4/4/4, label and taint, AL2 GPU AMI at 1.30
    assert ng["instanceTypes"] == ["g4dn.xlarge"]
    assert ng["scalingConfig"] == {"minSize": 4, "maxSize": 4, "desiredSize": 4}
    assert ng["labels"] == {"nvidia.com/gpu.present": "true"}
    assert ng["taints"] == [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]
    assert ng["amiType"] == "AL2_x86_64_GPU"
    assert int(ng["diskSize"]) == 100
    assert ng["capacityType"] == "ON_DEMAND"
    assert ng["version"] == "1.30"
    assert "launchTemplate" not in ng or not ng["launchTemplate"]
    assert len(ng["subnets"]) == 3  # every private subnet
    assert ng["tags"][OWNER_TAG] == "eks-llm"
    # cluster-autoscaler auto-discovery tags (scenarios.md: seed 001 §cluster-autoscaler)
    assert "k8s.io/cluster-autoscaler/enabled" in ng["tags"]
    assert "k8s.io/cluster-autoscaler/eks-llm" in ng["tags"]
    role = boto3_session.client("iam").get_role(RoleName=ng["nodeRole"].rsplit("/", 1)[-1])["Role"]
    policies = boto3_session.client("iam").list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy" in [p["PolicyArn"] for p in policies]
    assert "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" in [p["PolicyArn"] for p in policies]
    # no EFA objects for a non-EFA group
    assert tagged_resources(boto3_session, "eks-llm") == ["nodegroup:gpu", "role:eks-llm-gpu-node"]

    second = converge("gpu_nodegroup_000.yml")
    assert second.total("changed") == 0, second.output[-4000:]

    converge("gpu_nodegroup_000.yml", gpu_nodegroup_state="absent")
    assert tagged_resources(boto3_session, "eks-llm") == []
    assert eks.list_nodegroups(clusterName="eks-llm")["nodegroups"] == []


def test_scenario_000_check_mode_on_a_fresh_account_changes_nothing(boto3_session):
    make_cluster_prerequisites(boto3_session, "eks-llm", "1.30")
    result = converge("gpu_nodegroup_000.yml", check=True)
    assert result.total("changed") > 0  # it reports what it would do
    assert tagged_resources(boto3_session, "eks-llm") == []


def test_changed_scaling_and_taints_are_updated_in_place(boto3_session):
    make_cluster_prerequisites(boto3_session, "eks-llm", "1.30")
    converge("gpu_nodegroup_000.yml")
    groups = [
        dict(
            name="gpu",
            instance_type="g4dn.xlarge",
            min_size=2,
            max_size=6,
            desired_size=3,
            disk_size=100,
            labels={"nvidia.com/gpu.present": "true", "team": "llm"},
            taints=[{"key": "nvidia.com/gpu", "value": "present", "effect": "NoExecute"}],
        )
    ]
    result = converge("gpu_nodegroup_000.yml", gpu_nodegroup_node_groups=groups)
    assert result.total("changed") == 1
    ng = boto3_session.client("eks").describe_nodegroup(clusterName="eks-llm", nodegroupName="gpu")["nodegroup"]
    assert ng["scalingConfig"] == {"minSize": 2, "maxSize": 6, "desiredSize": 3}
    assert ng["labels"] == {"nvidia.com/gpu.present": "true", "team": "llm"}
    assert ng["taints"] == [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_EXECUTE"}]
    again = converge("gpu_nodegroup_000.yml", gpu_nodegroup_node_groups=groups)
    assert again.total("changed") == 0


def test_immutable_change_fails_naming_the_field_and_changes_nothing(boto3_session):
    make_cluster_prerequisites(boto3_session, "eks-llm", "1.30")
    converge("gpu_nodegroup_000.yml")
    groups = [
        dict(
            name="gpu",
            instance_type="g5.xlarge",
            min_size=4,
            max_size=4,
            desired_size=4,
            disk_size=100,
            labels={"nvidia.com/gpu.present": "true"},
        )
    ]
    result = run_playbook(PLAYBOOKS + "gpu_nodegroup_000.yml", extra_vars=dict(gpu_nodegroup_node_groups=groups))
    assert result.returncode != 0
    assert "instanceTypes: ['g4dn.xlarge'] -> ['g5.xlarge']" in result.output
    ng = boto3_session.client("eks").describe_nodegroup(clusterName="eks-llm", nodegroupName="gpu")["nodegroup"]
    assert ng["instanceTypes"] == ["g4dn.xlarge"]


def test_bad_input_fails_before_any_aws_call(boto3_session):
    # No prerequisites at all: a role that called AWS first would fail on the missing subnets instead.
    groups = [dict(name="gpu", instance_type="g4dn.xlarge", min_size=5, max_size=4, desired_size=4, efa=True)]
    result = run_playbook(PLAYBOOKS + "gpu_nodegroup_000.yml", extra_vars=dict(gpu_nodegroup_node_groups=groups))
    assert result.returncode != 0
    assert (
        "gpu_nodegroup_node_groups[0] (name 'gpu').min_size (5) must not be greater than max_size (4)" in result.output
    )
    assert "g4dn.xlarge does not support EFA" in result.output
    assert "No private subnet" not in result.output
    assert boto3_session.client("iam").list_roles()["Roles"] == []


def test_missing_region_fails_naming_the_variable(boto3_session):
    result = run_playbook(PLAYBOOKS + "gpu_nodegroup_000.yml", extra_vars=dict(gpu_nodegroup_region=""))
    assert result.returncode != 0
    assert "gpu_nodegroup_region is required" in result.output


# ---- scenario 001/003: EFA group on p5.48xlarge ----------------------------------------------------


def test_scenario_001_efa_group(boto3_session):
    prereq = make_cluster_prerequisites(boto3_session, "trtllm-inference-cluster", "1.30")
    cluster = "trtllm-inference-cluster"
    eks = boto3_session.client("eks")
    ec2 = boto3_session.client("ec2")

    first = converge("gpu_nodegroup_001.yml")
    assert first.total("changed") > 0

    ng = eks.describe_nodegroup(clusterName=cluster, nodegroupName="gpu-compute-node-group")["nodegroup"]
    assert ng["instanceTypes"] == ["p5.48xlarge"]
    assert ng["amiType"] == "AL2_x86_64_GPU"
    # scenarios.md: seed 001 §gpu_nodegroup (003 upstream 0/0/2)
    assert ng["scalingConfig"] == {"minSize": 0, "maxSize": 2, "desiredSize": 0}
    assert ng["taints"] == [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}]
    # EFA nodes in one subnet / one AZ (scenarios.md: seed 001 §gpu_nodegroup ⚠)
    assert ng["subnets"] == [prereq["private"][0]]

    lt_name = ng["launchTemplate"]["name"]
    lt = ec2.describe_launch_template_versions(
        LaunchTemplateName=lt_name, Versions=[str(ng["launchTemplate"]["version"])]
    )["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    interfaces = lt["NetworkInterfaces"]
    # AWS: p5.48xlarge has 32 network cards and supports 32 EFA interfaces (EC2 accelerated computing specs)
    assert len(interfaces) == 32
    assert all(i["InterfaceType"] == "efa" for i in interfaces)
    assert sorted(i["NetworkCardIndex"] for i in interfaces) == list(range(32))
    by_card = dict((i["NetworkCardIndex"], i) for i in interfaces)
    assert by_card[0]["DeviceIndex"] == 0
    assert all(by_card[c]["DeviceIndex"] == 1 for c in range(1, 32))
    assert lt["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"] == 500

    efa_sg = ec2.describe_security_groups(
        Filters=[
            {"Name": "group-name", "Values": [cluster + "-efa"]},
            {"Name": "tag:" + OWNER_TAG, "Values": [cluster]},
        ]
    )["SecurityGroups"][0]
    assert set(interfaces[0]["Groups"]) == {efa_sg["GroupId"], prereq["cluster_sg"]}
    # all traffic to and from itself
    assert [(p["IpProtocol"], [g["GroupId"] for g in p["UserIdGroupPairs"]]) for p in efa_sg["IpPermissions"]] == [
        ("-1", [efa_sg["GroupId"]])
    ]
    assert [
        (p["IpProtocol"], [g["GroupId"] for g in p["UserIdGroupPairs"]]) for p in efa_sg["IpPermissionsEgress"]
    ] == [("-1", [efa_sg["GroupId"]])]

    # gpu_nodegroup_placement_group_enabled: false (moto has no placement groups): none named in the template
    print(PLACEMENT_STAND_IN)
    assert "Placement" not in lt
    assert lt["MetadataOptions"]["HttpTokens"] == "required"

    second = converge("gpu_nodegroup_001.yml")
    assert second.total("changed") == 0, second.output[-4000:]

    converge("gpu_nodegroup_001.yml", gpu_nodegroup_state="absent")
    assert tagged_resources(boto3_session, cluster) == []


def test_scenario_001_check_mode_on_a_fresh_account_changes_nothing(boto3_session):
    print(PLACEMENT_STAND_IN)
    make_cluster_prerequisites(boto3_session, "trtllm-inference-cluster", "1.30")
    result = converge("gpu_nodegroup_001.yml", check=True)
    assert result.total("changed") > 0
    assert tagged_resources(boto3_session, "trtllm-inference-cluster") == []


def test_p4d_efa_group_gets_four_interfaces(boto3_session):
    print(PLACEMENT_STAND_IN)
    make_cluster_prerequisites(boto3_session, "trtllm-inference-cluster", "1.30")
    groups = [
        dict(
            name="p4d",
            instance_type="p4d.24xlarge",
            min_size=1,
            max_size=1,
            desired_size=1,
            efa=True,
            availability_zone="us-west-2b",
            labels={"nvidia.com/gpu.present": "true"},
        )
    ]
    converge("gpu_nodegroup_001.yml", gpu_nodegroup_node_groups=groups)
    ng = boto3_session.client("eks").describe_nodegroup(clusterName="trtllm-inference-cluster", nodegroupName="p4d")[
        "nodegroup"
    ]
    ec2 = boto3_session.client("ec2")
    lt = ec2.describe_launch_template_versions(LaunchTemplateName=ng["launchTemplate"]["name"], Versions=["$Latest"])[
        "LaunchTemplateVersions"
    ][0]["LaunchTemplateData"]
    # AWS: p4d.24xlarge has 4 network cards, 4 EFA interfaces
    assert len(lt["NetworkInterfaces"]) == 4
    subnet = ec2.describe_subnets(SubnetIds=ng["subnets"])["Subnets"]
    assert [s["AvailabilityZone"] for s in subnet] == ["us-west-2b"]


# ---- scenario 004: Karpenter mode -----------------------------------------------------------------


def test_scenario_004_karpenter_mode(boto3_session):
    cluster = "llm-eks-cluster"
    prereq = make_cluster_prerequisites(boto3_session, cluster, "1.33")
    first = converge("gpu_nodegroup_004.yml")
    assert first.total("changed") > 0

    iam = boto3_session.client("iam")
    node_role = iam.get_role(RoleName=cluster + "-karpenter-node")["Role"]
    assert json.dumps(node_role["AssumeRolePolicyDocument"]).count("ec2.amazonaws.com") == 1
    controller = iam.get_role(RoleName=cluster + "-karpenter-controller")["Role"]
    assert "pods.eks.amazonaws.com" in json.dumps(controller["AssumeRolePolicyDocument"])
    policy = iam.get_role_policy(RoleName=controller["RoleName"], PolicyName="KarpenterControllerPolicy")[
        "PolicyDocument"
    ]
    actions = json.dumps(policy)
    for action in ("ec2:CreateFleet", "ec2:RunInstances", "sqs:ReceiveMessage", "iam:PassRole", "eks:DescribeCluster"):
        assert action in actions
    profile = iam.get_instance_profile(InstanceProfileName=cluster + "-karpenter-node")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == [cluster + "-karpenter-node"]

    sqs = boto3_session.client("sqs")
    url = sqs.get_queue_url(QueueName=cluster + "-karpenter")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["MessageRetentionPeriod"] == "300"
    assert "events.amazonaws.com" in attrs["Policy"]

    events = boto3_session.client("events")
    rules = events.list_rules(NamePrefix=cluster + "-karpenter")["Rules"]
    patterns = sorted(
        (json.loads(r["EventPattern"])["source"][0], json.loads(r["EventPattern"])["detail-type"][0]) for r in rules
    )
    # Karpenter's interruption handling: the four EventBridge rules of its getting-started CloudFormation
    assert patterns == [
        ("aws.ec2", "EC2 Instance Rebalance Recommendation"),
        ("aws.ec2", "EC2 Instance State-change Notification"),
        ("aws.ec2", "EC2 Spot Instance Interruption Warning"),
        ("aws.health", "AWS Health Event"),
    ]
    for rule in rules:
        targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert [t["Arn"] for t in targets] == [attrs["QueueArn"]]

    ec2 = boto3_session.client("ec2")
    discovered = ec2.describe_subnets(Filters=[{"Name": "tag:karpenter.sh/discovery", "Values": [cluster]}])["Subnets"]
    assert sorted(s["SubnetId"] for s in discovered) == sorted(prereq["private"])
    sgs = ec2.describe_security_groups(Filters=[{"Name": "tag:karpenter.sh/discovery", "Values": [cluster]}])[
        "SecurityGroups"
    ]
    assert [g["GroupId"] for g in sgs] == [prereq["cluster_sg"]]
    assert boto3_session.client("eks").list_nodegroups(clusterName=cluster)["nodegroups"] == []

    second = converge("gpu_nodegroup_004.yml")
    assert second.total("changed") == 0, second.output[-4000:]

    converge("gpu_nodegroup_004.yml", gpu_nodegroup_state="absent")
    assert tagged_resources(boto3_session, cluster) == []
    assert events.list_rules(NamePrefix=cluster + "-karpenter")["Rules"] == []
    assert ec2.describe_subnets(Filters=[{"Name": "tag-key", "Values": ["karpenter.sh/discovery"]}])["Subnets"] == []


def test_scenario_004_check_mode_on_a_fresh_account_changes_nothing(boto3_session):
    cluster = "llm-eks-cluster"
    make_cluster_prerequisites(boto3_session, cluster, "1.33")
    result = converge("gpu_nodegroup_004.yml", check=True)
    assert result.total("changed") > 0
    assert tagged_resources(boto3_session, cluster) == []
    assert boto3_session.client("events").list_rules(NamePrefix=cluster)["Rules"] == []


def test_unquoted_kubernetes_version_is_refused(boto3_session):
    # YAML reads an unquoted 1.30 as the float 1.3
    result = run_playbook(PLAYBOOKS + "gpu_nodegroup_000.yml", extra_vars=dict(gpu_nodegroup_kubernetes_version=1.3))
    assert result.returncode != 0
    assert 'gpu_nodegroup_kubernetes_version must be a quoted string such as "1.30"' in result.output
