package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// The manifests are checked without a cluster: each document is decoded
// strictly (an unknown or duplicated field is an error, as kubectl apply
// --validate=strict makes it) into the typed objects of k8s.io/api, and
// then held to the rules the README explains — non-root, read-only root,
// secrets only through the environment, the spool shared safely.

var codecs = func() serializer.CodecFactory {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return serializer.NewCodecFactory(s, serializer.EnableStrict)
}()

// decodeAll decodes every document of a multi-document YAML stream.
func decodeAll(r io.Reader) ([]runtime.Object, error) {
	yr := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var out []runtime.Object
	for {
		doc, err := yr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, _, err := codecs.UniversalDeserializer().Decode(doc, nil, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, obj)
	}
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, l := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			b.Write(l)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// manifests are the objects of deploy/kubernetes/*.yaml.
type manifests struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	cronJobs    []*batchv1.CronJob
	jobs        []*batchv1.Job
	claims      map[string]*corev1.PersistentVolumeClaim
}

func readManifests(t *testing.T) *manifests {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("kubernetes", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/kubernetes (%v)", err)
	}
	m := &manifests{claims: map[string]*corev1.PersistentVolumeClaim{}}
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := decodeAll(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, o := range objs {
			meta := o.(metav1.Object)
			if errs := validation.IsDNS1123Subdomain(meta.GetName()); len(errs) > 0 {
				t.Errorf("%s: name %q: %v", f, meta.GetName(), errs)
			}
			switch o := o.(type) {
			case *appsv1.Deployment:
				m.deployments = append(m.deployments, o)
			case *corev1.Service:
				m.services = append(m.services, o)
			case *batchv1.CronJob:
				m.cronJobs = append(m.cronJobs, o)
			case *batchv1.Job:
				m.jobs = append(m.jobs, o)
			case *corev1.PersistentVolumeClaim:
				m.claims[o.Name] = o
			default:
				t.Errorf("%s: a %T: the test knows no rules for it", f, o)
			}
		}
	}
	if len(m.deployments) != 1 || len(m.services) != 1 || len(m.cronJobs) != 1 || len(m.jobs) != 1 {
		t.Fatalf("want one Deployment (the receiver), Service, CronJob (nightly) and Job (migration); have %d, %d, %d, %d",
			len(m.deployments), len(m.services), len(m.cronJobs), len(m.jobs))
	}
	return m
}

// pod is one pod template with where it came from.
type pod struct {
	what   string
	labels map[string]string
	spec   *corev1.PodSpec
}

func (m *manifests) pods() []pod {
	d, c, j := m.deployments[0], m.cronJobs[0], m.jobs[0]
	return []pod{
		{"Deployment " + d.Name, d.Spec.Template.Labels, &d.Spec.Template.Spec},
		{"CronJob " + c.Name, c.Spec.JobTemplate.Spec.Template.Labels, &c.Spec.JobTemplate.Spec.Template.Spec},
		{"Job " + j.Name, j.Spec.Template.Labels, &j.Spec.Template.Spec},
	}
}

// The strict decoder is what catches a misspelt field: a manifest with
// one must not decode.
func TestManifestDecodingIsStrict(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replica: 1}\n",
		"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\nspec: {schedule: '* * * * *', schedule: '1 * * * *'}\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: one}\n",
		"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: x}\n", // not registered: the test has no rules for it
	} {
		if _, err := decodeAll(strings.NewReader(doc)); err == nil {
			t.Errorf("decoded %q", doc)
		}
	}
}

// Every pod runs the image's user, non-root, with a read-only root file
// system, no privilege escalation, no capabilities, resource requests, a
// writable /tmp, volumes that exist, and no credential in its arguments.
func TestManifestPodsAreLockedDown(t *testing.T) {
	m := readManifests(t)
	img := checkDockerfile(t, readDockerfile(t))
	secretFlag := regexp.MustCompile(`^--?[a-z-]*(token|secret|password|header)[a-z-]*(=|$)`)
	for _, p := range m.pods() {
		s := p.spec
		sc := s.SecurityContext
		if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != img.uid ||
			sc.RunAsGroup == nil || *sc.RunAsGroup != img.gid || sc.FSGroup == nil || *sc.FSGroup != img.gid {
			t.Errorf("%s: pod securityContext %+v: want runAsNonRoot and the image's user %d:%d, fsGroup %d (the files are owner-only: every pod sharing a volume must be that user)",
				p.what, sc, img.uid, img.gid, img.gid)
		}
		if s.AutomountServiceAccountToken == nil || *s.AutomountServiceAccountToken {
			t.Errorf("%s: automountServiceAccountToken: bcetl does not talk to the Kubernetes API", p.what)
		}
		if len(s.Containers) != 1 {
			t.Fatalf("%s: %d containers", p.what, len(s.Containers))
		}
		c := s.Containers[0]
		if c.Image == "" || strings.HasSuffix(c.Image, ":latest") || !strings.Contains(c.Image, ":") {
			t.Errorf("%s: image %q: want a pinned tag", p.what, c.Image)
		}
		csc := c.SecurityContext
		if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem ||
			csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation ||
			csc.Capabilities == nil || !slices.Equal(csc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
			t.Errorf("%s: container securityContext %+v: want readOnlyRootFilesystem, no privilege escalation, drop ALL", p.what, csc)
		}
		req := c.Resources.Requests
		if req.Cpu().IsZero() || req.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s: resources %+v: want cpu and memory requests and a memory limit", p.what, c.Resources)
		}
		for _, a := range c.Args {
			if secretFlag.MatchString(a) {
				t.Errorf("%s: argument %s: credentials go through the environment (a Secret), never args", p.what, a)
			}
		}
		for _, e := range c.Env {
			if e.Value != "" && (strings.Contains(e.Name, "TOKEN") || strings.Contains(e.Name, "SECRET")) {
				t.Errorf("%s: %s has a literal value: take it from a Secret", p.what, e.Name)
			}
		}
		volumes := map[string]corev1.Volume{}
		for _, v := range s.Volumes {
			volumes[v.Name] = v
			if v.PersistentVolumeClaim != nil && m.claims[v.PersistentVolumeClaim.ClaimName] == nil {
				t.Errorf("%s: volume %s: no PersistentVolumeClaim %s in the manifests", p.what, v.Name, v.PersistentVolumeClaim.ClaimName)
			}
		}
		tmp := false
		for _, vm := range c.VolumeMounts {
			v, ok := volumes[vm.Name]
			if !ok {
				t.Errorf("%s: mount %s: no such volume", p.what, vm.Name)
			}
			tmp = tmp || vm.MountPath == "/tmp" && v.EmptyDir != nil
		}
		if !tmp {
			t.Errorf("%s: no emptyDir on /tmp: the root file system is read-only, and dry runs and SQLite write temporary files", p.what)
		}
	}
}

// The receiver: one replica, recreated (never two pods on one spool),
// ready when /healthz answers, reached through a Service on its port,
// given time to finish the requests in flight.
func TestManifestReceiver(t *testing.T) {
	m := readManifests(t)
	d, svc := m.deployments[0], m.services[0]
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("replicas %v, strategy %q: want 1, Recreate (its ReadWriteOnce volume cannot follow a second pod to another node)", d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("the Deployment's selector %v does not match its pods (%v)", d.Spec.Selector, err)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if len(c.Args) < 2 || c.Args[0] != "webhooks" || c.Args[1] != "serve" {
		t.Errorf("receiver args %v: want webhooks serve", c.Args)
	}
	port := map[string]int32{}
	for _, p := range c.Ports {
		port[p.Name] = p.ContainerPort
	}
	rp := c.ReadinessProbe
	if rp == nil || rp.HTTPGet == nil || rp.HTTPGet.Path != "/healthz" || port[rp.HTTPGet.Port.String()] == 0 {
		t.Errorf("readiness probe %+v: want GET /healthz on a named container port", rp)
	}
	if rp != nil && rp.HTTPGet != nil {
		if listen := flagValue(c.Args, "--listen"); !strings.HasSuffix(listen, ":"+strconv.Itoa(int(port[rp.HTTPGet.Port.String()]))) {
			t.Errorf("--listen %q: not the probed container port", listen)
		}
	}
	if g := d.Spec.Template.Spec.TerminationGracePeriodSeconds; g == nil || *g <= 20 {
		t.Errorf("terminationGracePeriodSeconds %v: want more than the receiver's 20 s shutdown", g)
	}
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) || len(svc.Spec.Selector) == 0 {
		t.Errorf("the Service's selector %v does not select the receiver's pods", svc.Spec.Selector)
	}
	for _, sp := range svc.Spec.Ports {
		if port[sp.TargetPort.String()] == 0 {
			t.Errorf("Service port %d targets %s, not a port of the receiver", sp.Port, sp.TargetPort.String())
		}
	}
}

// The nightly CronJob and the migration Job: one run at a time, failures
// retried (a rerun resumes), exit 2 and 3 final.
func TestManifestJobs(t *testing.T) {
	m := readManifests(t)
	cj := m.cronJobs[0]
	if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("concurrencyPolicy %q: want Forbid", cj.Spec.ConcurrencyPolicy)
	}
	for what, js := range map[string]*batchv1.JobSpec{"CronJob": &cj.Spec.JobTemplate.Spec, "Job": &m.jobs[0].Spec} {
		if js.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("%s: restartPolicy %q: want Never (a new pod per try, with its own logs)", what, js.Template.Spec.RestartPolicy)
		}
		final := map[int32]bool{}
		if js.PodFailurePolicy != nil {
			for _, r := range js.PodFailurePolicy.Rules {
				if r.Action == batchv1.PodFailurePolicyActionFailJob && r.OnExitCodes != nil && r.OnExitCodes.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn {
					for _, v := range r.OnExitCodes.Values {
						final[v] = true
					}
				}
			}
		}
		if !final[2] || !final[3] || final[1] {
			t.Errorf("%s: podFailurePolicy %+v: want exit 2 (usage) and 3 (finished with rejects) to fail the job, exit 1 retried", what, js.PodFailurePolicy)
		}
		if js.BackoffLimit == nil || *js.BackoffLimit < 1 {
			t.Errorf("%s: backoffLimit %v: a failed run should be run again (it resumes)", what, js.BackoffLimit)
		}
	}
	if args := cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Args; len(args) == 0 || args[0] != "nightly" {
		t.Errorf("CronJob args %v: want nightly", args)
	}
	if args := m.jobs[0].Spec.Template.Spec.Containers[0].Args; len(args) == 0 || args[0] != "migrate" {
		t.Errorf("Job args %v: want migrate", args)
	}
}

// The receiver and the nightly job share the spool: the same file on the
// same ReadWriteOnce claim, the nightly pod held to the receiver's node
// (SQLite's locks and WAL index work within one kernel only), and no other
// pod on that claim.
func TestManifestSpoolIsSharedSafely(t *testing.T) {
	m := readManifests(t)
	recv, nightly := m.pods()[0], m.pods()[1]
	rc, nc := recv.spec.Containers[0], nightly.spec.Containers[0]
	rClaim, rFile := onClaim(t, recv, flagValue(rc.Args, "--spool"))
	nClaim, nFile := onClaim(t, nightly, flagValue(nc.Args, "--spool"))
	if rClaim == "" || rClaim != nClaim || rFile != nFile {
		t.Fatalf("the receiver spools into %s on claim %q, nightly reads %s on claim %q: want one file", rFile, rClaim, nFile, nClaim)
	}
	pvc := m.claims[rClaim]
	if !slices.Equal(pvc.Spec.AccessModes, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}) {
		t.Errorf("claim %s access modes %v: want ReadWriteOnce — ReadWriteOncePod would keep nightly out, ReadWriteMany means a network file system where SQLite's WAL does not work", rClaim, pvc.Spec.AccessModes)
	}
	if c, _ := onClaim(t, nightly, flagValue(nc.Args, "--state")); c != rClaim {
		t.Errorf("nightly's --state is not on the spool's claim")
	}
	if c, _ := onClaim(t, m.pods()[2], flagValue(m.pods()[2].spec.Containers[0].Args, "--work")); c == rClaim || c == "" {
		t.Errorf("the migration's --work is on claim %q: want its own claim (it runs on any node)", c)
	}
	aff := nightly.spec.Affinity
	ok := false
	if aff != nil && aff.PodAffinity != nil {
		for _, term := range aff.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			sel, err := metav1.LabelSelectorAsSelector(term.LabelSelector)
			ok = ok || err == nil && term.TopologyKey == corev1.LabelHostname && sel.Matches(labels.Set(recv.labels)) &&
				!sel.Matches(labels.Set(nightly.labels))
		}
	}
	if !ok {
		t.Errorf("nightly's affinity %+v: want a required podAffinity to the receiver's pods on %s", aff, corev1.LabelHostname)
	}
}

// onClaim resolves a file path in a pod to its claim and the path inside it.
func onClaim(t *testing.T, p pod, file string) (claim, rel string) {
	t.Helper()
	c := p.spec.Containers[0]
	for _, vm := range c.VolumeMounts {
		r, err := filepath.Rel(vm.MountPath, file)
		if err != nil || strings.HasPrefix(r, "..") {
			continue
		}
		for _, v := range p.spec.Volumes {
			if v.Name == vm.Name && v.PersistentVolumeClaim != nil {
				return v.PersistentVolumeClaim.ClaimName, path.Join(vm.SubPath, r)
			}
		}
	}
	return "", file
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// Every Secret a pod reads is one the README tells how to create, with
// the keys the pod needs; then every command line runs: the image's bcetl
// accepts the manifest's arguments, and every BCETL_* variable names a
// flag of that command.
func TestManifestCommandLinesRun(t *testing.T) {
	m := readManifests(t)
	created := secretsInREADME(t)
	bin := staticBinary(t, checkDockerfile(t, readDockerfile(t)))
	for _, p := range m.pods() {
		c := p.spec.Containers[0]
		env := map[string]string{}
		for _, e := range c.Env {
			if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil {
				keys, ok := created[r.SecretKeyRef.Name]
				optional := r.SecretKeyRef.Optional != nil && *r.SecretKeyRef.Optional
				if !ok || !keys[r.SecretKeyRef.Key] && !optional {
					t.Errorf("%s: %s from secret %s key %s, which the README does not create", p.what, e.Name, r.SecretKeyRef.Name, r.SecretKeyRef.Key)
				}
			}
			env[e.Name] = "placeholder-" + strings.ToLower(e.Name)
		}
		for _, ef := range c.EnvFrom {
			if ef.SecretRef == nil {
				continue
			}
			keys, ok := created[ef.SecretRef.Name]
			if !ok {
				t.Errorf("%s: envFrom secret %s, which the README does not create", p.what, ef.SecretRef.Name)
			}
			for k := range keys {
				env[k] = "placeholder-" + strings.ToLower(k)
			}
		}
		cmd := exec.Command(bin, append(append([]string{}, c.Args...), "--help")...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s: bcetl %s --help: %v\n%s", p.what, strings.Join(c.Args, " "), err, out)
			continue
		}
		// --help shows where each flag's value comes from: none from a
		// deprecated variable.
		if strings.Contains(string(out), "(deprecated)") {
			t.Errorf("%s: bcetl %s reads a deprecated variable:\n%s", p.what, strings.Join(c.Args, " "), out)
		}
		flags := map[string]bool{}
		for _, m := range regexp.MustCompile(`(?m)^\s+--?([a-z0-9-]+)`).FindAllStringSubmatch(string(out), -1) {
			flags[m[1]] = true
		}
		for k := range env {
			if name, ok := strings.CutPrefix(k, "BCETL_"); ok {
				if f := strings.ToLower(strings.ReplaceAll(name, "_", "-")); !flags[f] {
					t.Errorf("%s: %s names no flag of bcetl %s (flags %v)", p.what, k, c.Args[0], flags)
				}
			}
		}
	}
}

// secretsInREADME reads the kubectl create secret commands of
// kubernetes/README.md: secret name → the keys created.
func secretsInREADME(t *testing.T) map[string]map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("kubernetes", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	out := map[string]map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(l)
		if len(f) < 5 || f[0] != "kubectl" || f[1] != "create" || f[2] != "secret" || f[3] != "generic" {
			continue
		}
		keys := map[string]bool{}
		for _, a := range f[5:] {
			if v, ok := strings.CutPrefix(a, "--from-literal="); ok {
				k, _, _ := strings.Cut(v, "=")
				keys[k] = true
			}
		}
		out[f[4]] = keys
	}
	if len(out) == 0 {
		t.Fatal("kubernetes/README.md creates no secret (kubectl create secret generic NAME --from-literal=KEY=…)")
	}
	return out
}
