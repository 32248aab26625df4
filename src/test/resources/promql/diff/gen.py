# Part of Meshlens' PromQL differential test data; see README.md in this directory.
import os
HERE = os.path.dirname(os.path.abspath(__file__))
import random, math, json
random.seed(42)
GRID=5          # seconds per grid slot
SLOTS=720       # 1 hour
BASE=1700000000 # seconds
series=[]       # (name, labels dict, list of values or None per slot)
def add(name, labels, vals): series.append((name, labels, vals))
def every(n, phase=0): return [ (i % n) == phase for i in range(SLOTS)]

# Counters with resets, 15s scrapes.
for job in ['api','web']:
  for inst in ['a','b','c']:
    for code in ['200','500']:
      v=0.0; vals=[]
      reset_at = random.randint(150,600) if (job,inst)==('api','b') else -1
      phase=random.randint(0,2)
      for i in range(SLOTS):
        if i % 3 != phase: vals.append(None); continue
        v += random.randint(0,20) if code=='200' else random.randint(0,3)
        if i >= reset_at >= 0 and reset_at >= 0 and i - reset_at < 3:
          v = random.randint(0,5); reset_at=-1
        vals.append(v)
      add('http_requests_total', {'job':job,'instance':inst,'code':code}, vals)
# Gauges with NaN and Inf.
for inst in ['a','b','c']:
  vals=[]
  for i in range(SLOTS):
    if i % 6 != 0: vals.append(None); continue
    x = round(20 + 5*math.sin(i/50.0) + random.random(), 3)
    if inst=='b' and i==300: x=float('nan')
    if inst=='c' and i==360: x=float('inf')
    vals.append(x)
  add('node_temp', {'instance':inst,'job':'node'}, vals)
# Histogram buckets.
for job in ['api','web']:
  counts=[0,0,0,0,0]; bounds=['0.1','0.5','1','2.5','+Inf']; per=[[] for _ in bounds]
  for i in range(SLOTS):
    if i % 3 != 0:
      for p in per: p.append(None)
      continue
    n=random.randint(0,30)
    for _ in range(n):
      d=random.expovariate(2.0)
      for k,b in enumerate(bounds):
        if b=='+Inf' or d<=float(b): counts[k]+=1
    for k in range(len(bounds)): per[k].append(float(counts[k]))
  for k,b in enumerate(bounds):
    add('request_duration_seconds_bucket', {'job':job,'le':b}, per[k])
  add('request_duration_seconds_count', {'job':job}, per[-1])
# Irregular series with long gaps (lookback boundary).
vals=[None]*SLOTS
t=0
while t < SLOTS:
  vals[t]=float(random.randint(0,100))
  t += random.choice([1,2,7,20,59,60,61,62,90])
add('irregular', {'kind':'gappy'}, vals)
# up and info.
for job in ['api','web']:
  for inst in ['a','b','c']:
    vals=[]
    for i in range(SLOTS):
      if i % 3 != 0: vals.append(None); continue
      vals.append(0.0 if (inst=='c' and 200<i<250) else 1.0)
    add('up', {'job':job,'instance':inst}, vals)
for inst in ['a','b','c']:
  vals=[1.0 if i%12==0 else None for i in range(SLOTS)]
  add('build_info', {'instance':inst,'version':'v'+inst}, vals)
# Istio-like edges.
for src in ['frontend','cart']:
  for dst in ['cart','payments']:
    if src==dst: continue
    for rc in ['200','503']:
      v=0.0; vals=[]
      for i in range(SLOTS):
        if i%3!=1: vals.append(None); continue
        v+=random.randint(0,9) if rc=='200' else random.randint(0,1)
        vals.append(v)
      add('istio_requests_total', {'source_workload':src,'destination_workload':dst,'response_code':rc,'reporter':'destination'}, vals)
# Colon names and duplicate-prone pairs.
add('job:requests:rate5m', {'job':'api'}, [float(i%7) if i%6==0 else None for i in range(SLOTS)])
add('dup_a', {'x':'1'}, [1.0 if i%6==0 else None for i in range(SLOTS)])
add('dup_b', {'x':'1'}, [2.0 if i%6==0 else None for i in range(SLOTS)])
# A series that ends early (for absent / lookback at the end).
add('short_lived', {'x':'1'}, [float(i) if i%6==0 and i<150 else None for i in range(SLOTS)])

def fmt(v):
  if v!=v: return 'NaN'
  if v==float('inf'): return 'Inf' 
  if v==float('-inf'): return '-Inf'
  return str(int(v)) if v==int(v) and abs(v)<1e15 else repr(v)
def om(v):
  if v!=v: return 'NaN'
  if v==float('inf'): return '+Inf'
  if v==float('-inf'): return '-Inf'
  return repr(v)
def lbl(name, labels):
  return name+'{'+','.join('%s="%s"'%(k,labels[k]) for k in sorted(labels))+'}'
with open(os.path.join(HERE, 'dataset.test'),'w') as f:
  f.write('load %ds\n' % GRID)
  for name,labels,vals in series:
    items=[]; i=0
    while i < len(vals):
      if vals[i] is None:
        j=i
        while j < len(vals) and vals[j] is None: j+=1
        n=j-i
        items.append('_' if n==1 else '_x%d'%n); i=j
      else:
        items.append(fmt(vals[i])); i+=1
    f.write('  '+lbl(name,labels)+' '+' '.join(items)+'\n')
with open(os.path.join(HERE, 'data.om'),'w') as f:
  byname={}
  for name,labels,vals in series: byname.setdefault(name,[]).append((labels,vals))
  for name,lst in byname.items():
    for labels,vals in lst:
      for i,v in enumerate(vals):
        if v is None: continue
        f.write('%s %s %d\n' % (lbl(name,labels), om(v), BASE+i*GRID))
  f.write('# EOF\n')
print(len(series), 'series')
